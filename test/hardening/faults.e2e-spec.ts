import { randomUUID } from 'node:crypto';
import { PostgresEventStore } from '@app/event-store';
import { topicNames } from '@app/messaging';
import { freshDatabase, type TestDatabase } from '../support/database';
import { leadEvent, numberedEvent } from '../support/fixtures';
import { TopicReader, eventsByStream, provisionedPrefix, serviceEnv, testKafka } from '../support/kafka';
import { eventually, runApp, type Running } from '../support/processes';

const visit = numberedEvent;

/** The apps as processes: frozen with SIGSTOP, killed with SIGKILL, restarted. */
describe('faults heal by themselves (real PostgreSQL and Kafka, apps as processes)', () => {
  let db: TestDatabase;
  const processes: Running[] = [];
  /** Each as its own Kafka principal, on topics opened to them (provisionedPrefix). */
  const start = (name: 'relay' | 'projector', env: Record<string, string>) => {
    const running = runApp(name, { DATABASE_URL: db.url, ...serviceEnv(name), ...env });
    processes.push(running);
    return running;
  };

  beforeEach(async () => {
    db = await freshDatabase();
  });
  afterEach(async () => {
    for (const p of processes.splice(0)) {
      p.signal('SIGCONT');
      await p.stop('SIGKILL');
    }
    await db.drop();
  });

  const leaseHolder = async () =>
    (await db.pool.query(`SELECT holder FROM leases WHERE name = 'relay' AND expires_at > now()`)).rows[0]?.holder as string | undefined;
  const heldBy = (p: Running) => async () => ((await leaseHolder())?.includes(`:${p.pid}:`) ? true : undefined);

  it('a frozen relay (SIGSTOP) is replaced by the standby within 10 s; nothing lost, each stream in order', async () => {
    const prefix = await provisionedPrefix();
    const env = { KAFKA_TOPIC_PREFIX: prefix, KAFKA_PARTITIONS: '3', RELAY_PORT: '0' };
    const first = start('relay', env);
    await eventually(heldBy(first), 30_000, 'the first relay takes the lease');
    const second = start('relay', env);
    await second.waitForOutput(/"msg":"relay listening"/);

    const store = new PostgresEventStore(db.pool);
    const streams = Array.from({ length: 6 }, () => ({ id: `project-${randomUUID()}`, version: 0 }));
    const write = async (rounds: number) => {
      for (let r = 0; r < rounds; r++) {
        for (const s of streams) {
          await store.append([{ streamId: s.id, expectedVersion: s.version, events: [visit(s.version + 1), visit(s.version + 2)] }]);
          s.version += 2;
        }
      }
    };
    const reader = await new TopicReader(testKafka(), topicNames(prefix).events).start();
    try {
      await write(10);
      await reader.waitFor(120);

      first.signal('SIGSTOP');
      const frozenAt = Date.now();
      const writing = write(20); // while the standby takes over
      await eventually(heldBy(second), 15_000, 'the standby takes the lease');
      const takeoverMs = Date.now() - frozenAt;
      await writing;
      expect(takeoverMs).toBeLessThan(10_000);

      const total = streams.length * 2 * 30;
      await eventually(
        async () =>
          eventsByStream(reader.messages).streams.size === streams.length &&
          [...eventsByStream(reader.messages).streams.values()].every((v) => v.length === 60)
            ? true
            : undefined,
        30_000,
        'every event published',
      );
      // The frozen relay wakes up: it finds its lease gone and publishes nothing more of its own.
      first.signal('SIGCONT');
      await first.waitForOutput(/another relay took over the lease; standing by/, 15_000);
      await write(1);
      await reader.waitFor(total + 12);
      await new Promise((resolve) => setTimeout(resolve, 1000));

      const { streams: arrived, duplicates } = eventsByStream(reader.messages);
      for (const s of streams) expect(arrived.get(s.id)).toEqual(Array.from({ length: 62 }, (_, i) => i + 1));
      // At least once: a request in flight when the relay froze may be sent again, nothing more.
      expect(duplicates).toBeLessThanOrEqual(reader.messages.length - (total + 12));
      expect(await leaseHolder()).toContain(`:${second.pid}:`);
    } finally {
      await reader.stop();
    }
  });

  it("the relay's database connections killed while it publishes: it reconnects, stays up, and publishes every event", async () => {
    const prefix = await provisionedPrefix();
    const relay = start('relay', { KAFKA_TOPIC_PREFIX: prefix, KAFKA_PARTITIONS: '3', RELAY_PORT: '0' });
    await eventually(heldBy(relay), 30_000, 'the relay takes the lease');
    const reader = await new TopicReader(testKafka(), topicNames(prefix).events).start();
    const store = new PostgresEventStore(db.pool);
    const streams = Array.from({ length: 4 }, () => ({ id: `project-${randomUUID()}`, version: 0 }));
    let kills = 0;
    try {
      for (let round = 0; round < 30; round++) {
        for (const s of streams) {
          await store.append([{ streamId: s.id, expectedVersion: s.version, events: [visit(s.version + 1)] }]);
          s.version += 1;
        }
        const { rowCount } = await db.pool.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'relay'`,
        );
        kills += rowCount ?? 0;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await eventually(
        async () => {
          const arrived = eventsByStream(reader.messages).streams;
          return streams.every((s) => arrived.get(s.id)?.length === 30) ? true : undefined;
        },
        30_000,
        'every event published',
      );
      for (const s of streams)
        expect(eventsByStream(reader.messages).streams.get(s.id)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      expect(kills).toBeGreaterThanOrEqual(5);
      expect(relay.exited).toBeNull();
    } finally {
      await reader.stop();
    }
  });

  it('a projector killed (SIGKILL) and started again applies new events within 10 s of its restart', async () => {
    const prefix = await provisionedPrefix();
    const env = { KAFKA_TOPIC_PREFIX: prefix, KAFKA_PARTITIONS: '3', RELAY_PORT: '0', PROJECTOR_PORT: '0' };
    start('relay', env);
    const first = start('projector', env);
    await first.waitForOutput(/projector consuming/);
    const store = new PostgresEventStore(db.pool);
    const applied = (streamId: string, version: number) => async () =>
      (await db.pool.query('SELECT 1 FROM rm.streams WHERE stream_id = $1 AND version >= $2', [streamId, version])).rowCount === 1
        ? true
        : undefined;
    const lead = leadEvent;
    const before = randomUUID();
    await store.append([{ streamId: `project-${before}`, expectedVersion: 0, events: [lead(before)] }]);
    await eventually(applied(`project-${before}`, 1), 30_000, 'the first projector applies');

    await first.stop('SIGKILL');
    const second = start('projector', env);
    const restartedAt = Date.now();
    const after = randomUUID();
    await store.append([{ streamId: `project-${after}`, expectedVersion: 0, events: [lead(after)] }]);
    await eventually(applied(`project-${after}`, 1), 20_000, 'the restarted projector applies');
    expect(Date.now() - restartedAt).toBeLessThan(10_000);
    expect(second.exited).toBeNull();
  });

  it('relay and projector answer /health and /metrics on their own ports, and stop within 10 s of SIGTERM', async () => {
    const prefix = await provisionedPrefix();
    const relay = start('relay', { KAFKA_TOPIC_PREFIX: prefix, RELAY_PORT: '0' });
    const projector = start('projector', { KAFKA_TOPIC_PREFIX: prefix, PROJECTOR_PORT: '0' });
    for (const [app, metric] of [
      [relay, 'relay_last_publish_timestamp_seconds'],
      [projector, 'projector_dead_letters'],
    ] as const) {
      const url = (await app.waitForOutput(/"url":"(http:\/\/[^"]+)","health"/))[1];
      const health = await eventually(
        async () => {
          const answer = await fetch(`${url}/health`);
          return answer.ok ? ((await answer.json()) as Record<string, unknown>) : undefined;
        },
        30_000,
        'health',
      );
      expect(health.status).toBe('ok');
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain(metric);
      expect(metrics).toContain('db_pool_connections');
    }
    expect(await relay.stop('SIGTERM')).toBeLessThan(10_000);
    expect(await projector.stop('SIGTERM')).toBeLessThan(10_000);
    for (const app of [relay, projector]) expect(app.output).not.toMatch(/"level":(50|60)/);
  });
});
