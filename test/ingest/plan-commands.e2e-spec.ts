import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { freshDatabase, type TestDatabase } from '../support/database';
import { call, startIngestApi } from '../support/services';

/**
 * The plan's commands (关账, target changes) go the write side's one path: idempotency keys,
 * If-Match, the plan's decider, version conflicts as 409 and only admins.
 */
describe('plan commands through the write path (real PostgreSQL)', () => {
  let db: TestDatabase;
  let url: string;
  let app: NestFastifyApplication;
  const planEvents = async (year: number) =>
    (await db.pool.query(`SELECT type, data FROM events WHERE stream_id = $1 ORDER BY version`, [`plan-${year}`])).rows;

  beforeAll(async () => {
    db = await freshDatabase();
    ({ url, app } = await startIngestApi(db));
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  it('a close replayed with its Idempotency-Key answers the same and writes once; the same key with another body is 422; a second close 409', async () => {
    const headers = { 'idempotency-key': 'close-2024-q1' };
    const first = await call(url, 'POST', '/v1/periods/2024-Q1/close', { body: { reason: '一季度关账' }, headers });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      period: '2024-Q1',
      closedPosition: expect.any(Number),
      position: expect.any(Number),
      eventId: expect.any(String),
    });
    const replay = await call(url, 'POST', '/v1/periods/2024-Q1/close', { body: { reason: '一季度关账' }, headers });
    expect(replay).toMatchObject({ status: 201, body: first.body });
    expect(await planEvents(2024)).toHaveLength(1);

    const reused = await call(url, 'POST', '/v1/periods/2024-Q1/close', { body: { reason: '另一个原因' }, headers });
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('idempotency_key_reused');

    const again = await call(url, 'POST', '/v1/periods/2024-Q1/close', { body: { reason: '重复关账' } });
    expect(again.status).toBe(409);
    expect(await planEvents(2024)).toHaveLength(1);
  });

  it('If-Match on the plan stream: the current version is accepted, a stale one is 409 and writes nothing', async () => {
    const change = (target: number, ifMatch: string) =>
      call(url, 'POST', '/v1/targets/changes', {
        body: { code: 'signed_total_wan', scope: 'city', period: '2023', target, reason: '年中调整' },
        headers: { 'if-match': ifMatch },
      });
    expect((await change(80_000_000, '0')).status).toBe(201);
    const stale = await change(90_000_000, '0');
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('version_conflict');
    const current = await change(90_000_000, '1');
    expect(current.status).toBe(201);
    expect(current.body).toMatchObject({ code: 'signed_total_wan', target: 90_000_000, comparator: '>=', position: expect.any(Number) });
    expect((await planEvents(2023)).map((e) => e.data.target)).toEqual([80_000_000, 90_000_000]);
  });

  it('concurrent closes of one period: exactly one is stored, the others answer 409', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) => call(url, 'POST', `/v1/periods/2024-0${(i % 2) + 1}/close`, { body: {} })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 409, 409, 409, 409]);
    expect((await planEvents(2024)).filter((e) => e.data.period === '2024-01' || e.data.period === '2024-02')).toHaveLength(2);
  });

  it('a writer key may not change the plan (403), and a bad period names its field (400), writing nothing', async () => {
    const created = await call(url, 'POST', '/v1/api-keys', { body: { name: 'unit writer', role: 'writer', units: ['zz-erqi'] } });
    const denied = await call(url, 'POST', '/v1/periods/2022/close', { key: created.body.key, body: {} });
    expect(denied.status).toBe(403);
    const bad = await call(url, 'POST', '/v1/periods/2022-Q5/close', { body: { reason: '' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['period', 'reason']);
    expect(await planEvents(2022)).toHaveLength(0);
  });
});
