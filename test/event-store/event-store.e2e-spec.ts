import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { PostgresEventStore, StreamVersionConflict } from '@app/event-store';
import { freshDatabase, type TestDatabase } from '../support/database';
import { numberedEvent } from '../support/fixtures';

const event = numberedEvent;
const { actor } = numberedEvent(0);

describe('PostgreSQL event store (real database)', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await freshDatabase(20);
    store = new PostgresEventStore(db.pool);
  });
  afterAll(() => db.drop());

  it('appends with versions and positions, and reads a stream back in order with its envelope', async () => {
    const streamId = `project-${randomUUID()}`;
    const first = await store.append([{ streamId, expectedVersion: 0, events: [event(1), event(2)] }]);
    await store.append([{ streamId, expectedVersion: 2, events: [event(3)] }]);
    const read = await store.readStream(streamId);
    expect(read.map((e) => e.version)).toEqual([1, 2, 3]);
    expect(read.map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3]);
    expect(read[0]).toMatchObject({ eventId: first[0].eventId, type: 'VisitRecorded', streamId, schemaVersion: 1, actor });
    expect(read[1].position).toBeGreaterThan(read[0].position);
    expect(Date.parse(read[0].recordedAt)).not.toBeNaN();
  });

  it('gives the envelopes as JSON text equal to the envelopes it reads (instants as toISOString writes them)', async () => {
    const streamId = `project-${randomUUID()}`;
    const payload = { projectId: randomUUID(), name: '郑州 "quoted" \\ name', amountWan: 123456789, nested: { list: [1, null, true] } };
    const [stored] = await store.append([
      {
        streamId,
        expectedVersion: 0,
        events: [{ type: 'LeadRegistered', occurredAt: '2025-03-31T23:59:59.987654+08:00', data: payload, actor, schemaVersion: 1 }],
      },
    ]);
    // Microseconds in the stored instant: the text must truncate them to milliseconds as Date does.
    await db.pool.query(`UPDATE events SET recorded_at = '2025-04-01T08:00:00.123999Z' WHERE event_id = $1`, [stored.eventId]);
    const [envelope] = await store.readAll(stored.position - 1, 1);
    const [serialized] = await store.readAllAsJson(stored.position - 1, 1);
    expect(serialized).toMatchObject({ position: stored.position, streamId, type: 'LeadRegistered' });
    expect(JSON.parse(serialized.json)).toEqual(envelope);
    expect(Object.keys(JSON.parse(serialized.json))).toEqual(Object.keys(envelope));
    expect(envelope).toMatchObject({ occurredAt: '2025-03-31T15:59:59.987Z', recordedAt: '2025-04-01T08:00:00.123Z', data: payload });
  });

  it('two concurrent appends with the same expected version: exactly one wins, the other is a conflict', async () => {
    for (let round = 0; round < 20; round++) {
      const streamId = `project-${randomUUID()}`;
      await store.append([{ streamId, expectedVersion: 0, events: [event(0)] }]);
      const results = await Promise.allSettled([
        store.append([{ streamId, expectedVersion: 1, events: [event(1)] }]),
        store.append([{ streamId, expectedVersion: 1, events: [event(2)] }]),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(rejected).toHaveLength(1);
      expect(rejected[0].reason).toBeInstanceOf(StreamVersionConflict);
      expect((await store.readStream(streamId)).map((e) => e.version)).toEqual([1, 2]);
    }
  });

  it('a multi-stream append is all or nothing', async () => {
    const fresh = `project-${randomUUID()}`;
    const existing = `project-${randomUUID()}`;
    await store.append([{ streamId: existing, expectedVersion: 0, events: [event(0)] }]);
    await expect(
      store.append([
        { streamId: fresh, expectedVersion: 0, events: [event(1)] },
        { streamId: existing, expectedVersion: 0, events: [event(2)] },
      ]),
    ).rejects.toBeInstanceOf(StreamVersionConflict);
    expect(await store.readStream(fresh)).toEqual([]);
  });

  it('a reader following positions during 8 concurrent writers with transactions of varying length sees every event once, in commit order', async () => {
    const writers = 8;
    const perWriter = 250;
    const start = await store.headPosition();
    let done = false;
    const seen: number[] = [];
    const reader = (async () => {
      let after = start;
      while (!done || after < (await store.headPosition())) {
        const events = await store.readAll(after, 500);
        for (const e of events) seen.push(e.position);
        if (events.length > 0) after = events[events.length - 1].position;
        else await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const streamId = `project-${randomUUID()}`;
        for (let i = 0; i < perWriter; i += 5) {
          // Each transaction holds its rows a different while before commit.
          await store.append([{ streamId, expectedVersion: i, events: [0, 1, 2, 3, 4].map((k) => event(i + k)) }], async (client) => {
            if ((i + w) % 3 === 0) await client.query('SELECT pg_sleep($1)', [((i * 7 + w * 13) % 20) / 1000]);
          });
        }
      }),
    );
    done = true;
    await reader;
    const stored = (await db.pool.query('SELECT position FROM events WHERE position > $1 ORDER BY position', [start])).rows.map((r) =>
      Number(r.position),
    );
    expect(stored).toHaveLength(writers * perWriter);
    expect(seen).toEqual(stored);
  });
  it('a COMMIT whose connection is lost while the server still commits: the look-up waits for it and reports the events stored', async () => {
    // The first transaction's COMMIT is reported to the store as a lost connection at once,
    // while the server commits it 700 ms later: the old transaction stays open, holding the
    // append lock, as one whose client vanished mid-COMMIT does until the server finishes it.
    let committed: Promise<unknown> | null = null;
    const realPool = db.pool;
    let wrapped = false;
    const connect = async () => {
      const client = await realPool.connect();
      if (wrapped) return client;
      wrapped = true;
      const query = (text: string, ...rest: unknown[]) => (client.query as (...args: unknown[]) => Promise<unknown>)(text, ...rest);
      return Object.assign(Object.create(client), {
        query: (text: string, ...rest: unknown[]) => {
          if (typeof text === 'string' && /COMMIT\s*$/.test(text)) {
            committed = new Promise((resolve) => setTimeout(resolve, 700)).then(() => query(text)).catch(() => undefined);
            return Promise.reject(new Error('Connection terminated unexpectedly'));
          }
          if (typeof text === 'string' && /^ROLLBACK/.test(text)) return Promise.resolve({ rows: [] });
          return query(text, ...rest);
        },
        release: () => void (committed ?? Promise.resolve()).finally(() => client.release()),
      });
    };
    const pool = { connect, query: (...args: unknown[]) => (realPool.query as (...a: unknown[]) => unknown)(...args) } as unknown as Pool;
    const lossy = new PostgresEventStore(pool);
    const streamId = `project-${randomUUID()}`;

    const stored = await lossy.append([{ streamId, expectedVersion: 0, events: [event(1), event(2)] }]);

    expect(committed).not.toBeNull();
    const { rows } = await db.pool.query('SELECT event_id, position FROM events WHERE stream_id = $1 ORDER BY version', [streamId]);
    expect(rows).toHaveLength(2);
    expect(stored.map((e) => [e.eventId, e.position])).toEqual(rows.map((r) => [r.event_id, Number(r.position)]));
  });
});
