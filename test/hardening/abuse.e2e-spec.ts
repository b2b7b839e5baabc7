import { connect } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createLogger } from '@app/platform';
import { IdempotencyRetention } from '../../apps/relay/src/idempotency-retention';
import { freshDatabase, type TestDatabase } from '../support/database';
import { leadBody } from '../support/fixtures';
import { call, startIngestApi } from '../support/services';

/** Sends `chunks` (then nothing more) and resolves with what the server answered and when it closed. */
function slowClient(port: number, chunks: string[]): Promise<{ answer: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let answer = '';
    const socket = connect({ port, host: '127.0.0.1' }, () => chunks.forEach((c) => socket.write(c)));
    socket.on('data', (data) => (answer += data));
    socket.on('error', reject);
    socket.on('close', () => resolve({ answer, closedAfterMs: Date.now() - started }));
    setTimeout(() => socket.destroy(new Error('the server never closed the connection')), 20_000).unref();
  });
}

describe('abuse limits (real PostgreSQL)', () => {
  let db: TestDatabase;
  let url: string;
  let app: NestFastifyApplication;
  const port = () => Number(new URL(url).port);

  beforeAll(async () => {
    db = await freshDatabase();
    ({ url, app } = await startIngestApi(db, { HEADERS_TIMEOUT_MS: '1500', REQUEST_TIMEOUT_MS: '3000' }));
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  it('a client that does not finish its headers in time is answered 408 and cut off', async () => {
    const { answer, closedAfterMs } = await slowClient(port(), ['POST /v1/projects HTTP/1.1\r\nHost: x\r\n']);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfterMs).toBeGreaterThanOrEqual(1_400);
    expect(closedAfterMs).toBeLessThan(4_000);
  });

  it('a client that does not finish its body in time is cut off, and nothing is written', async () => {
    const body = JSON.stringify(leadBody());
    const { answer, closedAfterMs } = await slowClient(port(), [
      `POST /v1/projects HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
      body.slice(0, 20),
    ]);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfterMs).toBeGreaterThanOrEqual(2_900);
    expect(closedAfterMs).toBeLessThan(6_000);
    expect(Number((await db.pool.query('SELECT count(*) AS n FROM events')).rows[0].n)).toBe(0);
  });

  it('idempotency answers are purged after the retention, younger ones kept and still answered', async () => {
    const old = await call(url, 'POST', '/v1/projects', { body: leadBody(), headers: { 'idempotency-key': 'old-key' } });
    const recent = leadBody();
    await call(url, 'POST', '/v1/projects', { body: recent, headers: { 'idempotency-key': 'recent-key' } });
    await db.pool.query(`UPDATE idempotency_keys SET created_at = now() - interval '31 days' WHERE key = 'old-key'`);
    const retention = new IdempotencyRetention(db.pool, 30, createLogger('test', 'silent'));
    expect(await retention.purge()).toBe(1);
    const { rows } = await db.pool.query('SELECT key FROM idempotency_keys ORDER BY key');
    expect(rows.map((r) => r.key)).toEqual(['recent-key']);
    const replay = await call(url, 'POST', '/v1/projects', { body: recent, headers: { 'idempotency-key': 'recent-key' } });
    expect(replay.status).toBe(201);
    expect(old.status).toBe(201);
  });
});
