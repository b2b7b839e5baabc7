import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createIngestApi } from '../../apps/ingest-api/src/ingest-api';
import { createQueryApi } from '../../apps/query-api/src/query-api';
import { PostgresEventStore, type NewEvent } from '@app/event-store';
import { createPool } from '@app/platform';
import { freshDatabase, type TestDatabase } from '../support/database';
import { leadBody } from '../support/fixtures';
import { call, startIngestApi, testDeps } from '../support/services';

const actor = { kind: 'system' as const, id: 'test' };
const event = (data: unknown): NewEvent => ({ type: 'VisitRecorded', occurredAt: '2025-01-01T00:00:00Z', data, actor, schemaVersion: 1 });

describe('no request harms another (real PostgreSQL)', () => {
  let db: TestDatabase;
  let url: string;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    db = await freshDatabase(20);
    ({ url, app } = await startIngestApi(db, { RATE_LIMIT_PER_MINUTE: '0' }));
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  it('an append the database refuses fails alone, though it shared a group commit with 49 others', async () => {
    const store = new PostgresEventStore(db.pool);
    // jsonb refuses the NUL escape: the edge never lets one through, so the store is handed one directly.
    const appends = Array.from({ length: 50 }, (_, i) => ({
      streamId: `project-${randomUUID()}`,
      expectedVersion: 0,
      events: [event(i === 17 ? { note: '\u0000' } : { n: i })],
    }));
    const outcomes = await Promise.allSettled(appends.map((a) => store.append([a])));
    expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(1);
    expect(outcomes[17].status).toBe('rejected');
    const stored = await db.pool.query('SELECT stream_id FROM events WHERE stream_id = ANY($1)', [appends.map((a) => a.streamId)]);
    expect(stored.rowCount).toBe(49);
  });

  it('a NUL command sent while another key writes 300 commands: all 300 stored, the bad one refused', async () => {
    const partner = (await call(url, 'POST', '/v1/api-keys', { body: { name: 'fund A', role: 'partner', partnerId: 'fund-a' } })).body.key;
    const writer = (await call(url, 'POST', '/v1/api-keys', { body: { name: 'team', role: 'writer' } })).body.key;
    const valid = Array.from({ length: 300 }, () => leadBody());
    const [bad, ...answers] = await Promise.all([
      call(url, 'POST', '/v1/projects', { key: partner, body: leadBody({ name: 'evil\u0000name' }) }),
      ...valid.map((body) => call(url, 'POST', '/v1/projects', { key: writer, body })),
    ]);
    expect(bad.status).toBe(400);
    expect(answers.map((a) => a.status)).toEqual(valid.map(() => 201));
    const stored = await db.pool.query(`SELECT count(*) AS n FROM events WHERE stream_id = ANY($1)`, [
      valid.map((b) => `project-${b.projectId}`),
    ]);
    expect(Number(stored.rows[0].n)).toBe(300);
  });

  it('connections killed under load: no 500, every acknowledged command stored once, 503s resent with their key', async () => {
    const admin = await db.pool.connect();
    const databaseName = new URL(db.url).pathname.slice(1);
    let killing = true;
    const killer = (async () => {
      let kills = 0;
      while (killing) {
        await new Promise((resolve) => setTimeout(resolve, 150));
        const { rowCount } = await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [databaseName],
        );
        kills += rowCount ?? 0;
      }
      return kills;
    })();
    const answers: { status: number; key: string; body: Record<string, unknown>; sent: Record<string, unknown> }[] = [];
    const deadline = Date.now() + 4_000;
    await Promise.all(
      Array.from({ length: 12 }, async (_, client) => {
        for (let i = 0; Date.now() < deadline; i++) {
          const key = `c${client}-${i}`;
          const sent = leadBody();
          const answer = await call(url, 'POST', '/v1/projects', { body: sent, headers: client % 2 ? { 'idempotency-key': key } : {} });
          answers.push({ status: answer.status, key: client % 2 ? key : '', body: answer.body, sent });
        }
      }),
    );
    killing = false;
    const kills = await killer;
    admin.release();

    expect(kills).toBeGreaterThan(10);
    const statuses = new Set(answers.map((a) => a.status));
    expect([...statuses].filter((s) => s !== 201 && s !== 503)).toEqual([]);
    for (const a of answers.filter((x) => x.status === 503)) {
      expect(a.body).toMatchObject({ error: { code: 'unavailable', retryable: true } });
    }
    const acknowledged = answers.filter((a) => a.status === 201);
    expect(acknowledged.length).toBeGreaterThan(20);
    const stored = await db.pool.query('SELECT event_id::text AS id FROM events WHERE event_id = ANY($1::uuid[])', [
      acknowledged.map((a) => a.body.eventId),
    ]);
    expect(stored.rowCount).toBe(acknowledged.length);

    // A 503 with an idempotency key is safe to resend: the command is stored exactly once.
    const retried = answers.filter((a) => a.status === 503 && a.key);
    for (const a of retried) {
      const again = await call(url, 'POST', '/v1/projects', { body: a.sent, headers: { 'idempotency-key': a.key } });
      expect(again.status).toBe(201);
    }
    const perProject = await db.pool.query('SELECT stream_id, count(*) AS n FROM events WHERE stream_id = ANY($1) GROUP BY stream_id', [
      retried.map((a) => `project-${a.sent.projectId}`),
    ]);
    expect(perProject.rows.every((r) => Number(r.n) === 1)).toBe(true);
    expect(perProject.rowCount).toBe(retried.length);
  });

  it('a database that cannot be reached: writes and reads answer 503 unavailable with Retry-After after retrying, never 500', async () => {
    // A pool on a port where nothing listens: every connection is refused, as while the server restarts.
    const unreachable = createPool('postgres://postgres@127.0.0.1:9/nowhere', 2, { connectionTimeoutMillis: 500 });
    const deps = { ...(await testDeps(db)), pool: unreachable };
    const apps = [await createIngestApi(deps), await createQueryApi(deps)];
    try {
      const [ingestUrl, queryUrl] = await Promise.all(
        apps.map(async (a) => {
          await a.listen({ port: 0, host: '127.0.0.1' });
          return `http://127.0.0.1:${(a.getHttpServer().address() as { port: number }).port}`;
        }),
      );
      const read = await call(queryUrl, 'GET', '/v1/kpis?year=2025');
      expect(read.status).toBe(503);
      expect(read.body.error).toMatchObject({ code: 'unavailable', retryable: true });
      expect(read.headers.get('retry-after')).toBe('1');
      const started = Date.now();
      const write = await call(ingestUrl, 'POST', '/v1/projects', { body: leadBody() });
      expect(Date.now() - started).toBeGreaterThan(3_000); // retried before giving up
      expect(write.status).toBe(503);
      expect(write.body.error).toMatchObject({ code: 'unavailable', retryable: true });
      expect(Number(write.headers.get('retry-after'))).toBeGreaterThan(0);
      const health = await call(ingestUrl, 'GET', '/health', { key: null });
      expect(health.status).toBe(503);
    } finally {
      for (const a of apps) await a.close();
      await unreachable.end();
    }
  });
});
