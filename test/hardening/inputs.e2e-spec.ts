import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createQueryApi } from '../../apps/query-api/src/query-api';
import { freshDatabase, type TestDatabase } from '../support/database';
import { leadBody } from '../support/fixtures';
import { ADMIN_KEY, call, startIngestApi, testDeps } from '../support/services';

/** Every bad input of contract §6 answers 4xx in the error format, names its field, and writes nothing. */
describe('bad input over HTTP (real PostgreSQL)', () => {
  let db: TestDatabase;
  let ingest: string;
  let ingestApp: NestFastifyApplication;
  let query: string;
  let queryApp: NestFastifyApplication;
  const eventCount = async () => Number((await db.pool.query('SELECT count(*) AS n FROM events')).rows[0].n);

  beforeAll(async () => {
    db = await freshDatabase();
    ({ url: ingest, app: ingestApp } = await startIngestApi(db, { MAX_EVENT_BYTES: '4096', TRUST_PROXY: '1' }));
    queryApp = await createQueryApi(await testDeps(db, { MIN_POSITION_WAIT_MS: '300', TRUST_PROXY: '1' }));
    await queryApp.listen({ port: 0, host: '127.0.0.1' });
    query = `http://127.0.0.1:${(queryApp.getHttpServer().address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await queryApp.close();
    await ingestApp.close();
    await db.drop();
  });

  /** Posts `raw` JSON text; expects a refusal naming `field`, and no event written. */
  async function refused(path: string, raw: string, status: number, field: string | null, headers: Record<string, string> = {}) {
    const before = await eventCount();
    const answer = await call(ingest, 'POST', path, { raw, headers });
    expect({ status: answer.status, body: answer.body }).toEqual({
      status,
      body: { error: { code: expect.any(String), message: expect.any(String), details: expect.any(Array) } },
    });
    if (field !== null) expect(answer.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    expect(await eventCount()).toBe(before);
    return answer;
  }

  it.each([
    ['NUL in a name', { name: 'a\u0000b' }, 'name'],
    ['a lone surrogate in the investor name', { investor: { name: '\ud842x', originRegion: 'gba' } }, 'investor.name'],
    ['a control character in a name', { name: 'a\u001bb' }, 'name'],
    ['a line break in a name', { name: 'a\nb' }, 'name'],
    ['a name of zero-width spaces', { name: '\u200b\u200b ' }, 'name'],
    ['NUL in an unknown field', { 'x\u0000': 1 }, 'x\ufffd'],
  ])('%s: 400 naming the field', async (_, overrides, field) => {
    await refused('/v1/projects', JSON.stringify(leadBody(overrides)), 400, field);
  });

  it('accepts characters outside the BMP, format and private-use characters', async () => {
    const answer = await call(ingest, 'POST', '/v1/projects', { body: leadBody({ name: '𠮷野家\u200d郑州\ue000项目' }) });
    expect(answer.status).toBe(201);
    const { rows } = await db.pool.query(`SELECT data->>'name' AS name FROM events WHERE event_id = $1`, [answer.body.eventId]);
    expect(rows[0].name).toBe('𠮷野家\u200d郑州\ue000项目');
  });

  it('tab and line breaks are allowed in a note, other controls are not', async () => {
    const projectId = (await call(ingest, 'POST', '/v1/projects', { body: leadBody() })).body.projectId;
    const visit = (note: string) => JSON.stringify({ direction: 'inbound', occurredAt: '2025-02-01T10:00:00+08:00', note });
    expect((await call(ingest, 'POST', `/v1/projects/${projectId}/visits`, { raw: visit('第一次\t走访\r\n第二行') })).status).toBe(201);
    await refused(`/v1/projects/${projectId}/visits`, visit('bell\u0007'), 400, 'note');
  });

  it('a body nested deeper than 32 levels is refused, also 10,000 deep with an Idempotency-Key', async () => {
    const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    await refused('/v1/projects', nested(33), 400, null);
    const deep = await refused('/v1/projects', nested(10_000), 400, null, { 'idempotency-key': 'deep-1' });
    expect(deep.body.error.details[0].message).toMatch(/deeper than 32/);
    // 32 levels are fine as JSON: the command is refused for its fields, not its depth.
    const ok = await refused('/v1/projects', nested(32), 400, 'a');
    expect(ok.body.error.details.find((d: { field: string }) => d.field === 'a').message).toBe('is not a known field');
  });

  it.each([
    ['%00', '/v1/projects/%00/visits'],
    ['not a uuid', '/v1/projects/not-a-uuid/signing'],
    ['a uuid with NUL after it', `/v1/projects/${randomUUID()}%00/drop`],
  ])('a path id that is %s: 400 naming projectId', async (_, path) => {
    await refused(path, JSON.stringify({ reason: 'x', occurredAt: '2025-02-01T10:00:00+08:00' }), 400, 'projectId');
  });

  it('a batch item with a bad id or a control character in its commandId fails alone', async () => {
    const good = { type: 'RegisterLead', ...leadBody() };
    const answer = await call(ingest, 'POST', '/v1/batch', {
      body: {
        commands: [
          { type: 'RecordVisit', projectId: '\u0001', direction: 'inbound', occurredAt: '2025-02-01T10:00:00+08:00' },
          { ...good, commandId: 'key\u0007' },
          good,
        ],
      },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.results.map((r: { status: number }) => r.status)).toEqual([400, 400, 201]);
    expect(answer.body.results[0].body.error.details[0].field).toBe('projectId');
    expect(answer.body.results[1].body.error.details[0].field).toBe('commandId');
  });

  it.each([
    ['form-encoded', 'application/x-www-form-urlencoded', 'direction=inbound&occurredAt=2025-02-01T10%3A00%3A00%2B08%3A00'],
    ['plain text', 'text/plain', '{"direction":"inbound","occurredAt":"2025-02-01T10:00:00+08:00"}'],
    ['XML', 'application/xml', '<visit/>'],
  ])('a %s body answers 415 and writes nothing', async (_, type, raw) => {
    const projectId = (await call(ingest, 'POST', '/v1/projects', { body: leadBody() })).body.projectId;
    const before = await eventCount();
    const answer = await fetch(`${ingest}/v1/projects/${projectId}/visits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': type },
      body: raw,
    });
    expect(answer.status).toBe(415);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('unsupported_media_type');
    expect(await eventCount()).toBe(before);
  });

  it('JSON with a charset parameter is accepted', async () => {
    const answer = await fetch(`${ingest}/v1/projects`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(leadBody()),
    });
    expect(answer.status).toBe(201);
  });

  it('a command whose event would be larger than the topics take: 413 naming the field', async () => {
    const projectId = (await call(ingest, 'POST', '/v1/projects', { body: leadBody() })).body.projectId;
    const note = '很长的走访记录'.repeat(280); // 1,960 characters: under the text limit, over MAX_EVENT_BYTES=4096 as UTF-8
    const answer = await refused(
      `/v1/projects/${projectId}/visits`,
      JSON.stringify({ direction: 'inbound', occurredAt: '2025-02-01T10:00:00+08:00', note }),
      413,
      'note',
    );
    expect(answer.body.error.code).toBe('payload_too_large');
  });

  it.each([
    ['asOf', 'asOf=-271821-04-20T00:00:00Z'],
    ['asOf', 'asOf=2025-02-30T00:00:00%2B08:00'],
    ['asOf', 'asOf=1999-12-31T23:59:59Z'],
    ['asOf', 'asOf=2999-01-01T00:00:00Z'],
    ['asOf', 'asOf=2025-01-01'],
    ['year', 'year=99999999999999999999'],
    ['quarter', 'quarter=5'],
    ['minPosition', 'minPosition=-1'],
    ['month', 'quarter=1&month=2'],
    ['year', 'year=2025&year=2026'],
  ])('%s: GET /v1/kpis?%s answers 400 naming it', async (field, params) => {
    const answer = await call(query, 'GET', `/v1/kpis?${params}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it('every bad parameter of a query string is named in one 400; empty ones count as absent', async () => {
    const answer = await call(query, 'GET', '/v1/projects?stage=won&limit=0&cursor=p-1&unit=ZZ&stalledDays=&channel=');
    expect(answer.status).toBe(400);
    expect(answer.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['cursor', 'limit', 'stage', 'unit']);
    const breakdown = await call(query, 'GET', '/v1/breakdown?year=2025');
    expect(breakdown.body.error.details).toEqual([{ field: 'by', message: expect.stringContaining('is required') }]);
  });

  it('a path id on the read side that is not a uuid: 400 in the error format', async () => {
    for (const path of ['/v1/projects/%00', '/v1/projects/abc/history']) {
      const answer = await call(query, 'GET', path);
      expect(answer.status).toBe(400);
      expect(answer.body.error.details[0].field).toBe('id');
    }
  });

  it('minPosition beyond the last stored position: 400 unknown_position at once, and the next reader is not harmed', async () => {
    const written = await call(ingest, 'POST', '/v1/projects', { body: leadBody() });
    const head = written.body.position as number;
    const beyond = await call(query, 'GET', `/v1/projections/status?minPosition=999999999`, { key: ADMIN_KEY });
    expect(beyond.status).toBe(400);
    expect(beyond.body.error.code).toBe('unknown_position');
    // Nothing projects in this test: the read models have not applied `head`, and must not claim they have.
    const status = await call(query, 'GET', '/v1/projections/status');
    expect(status.body.projections[0].position).toBeLessThan(head);
    const wait = await call(query, 'GET', `/v1/kpis?minPosition=${head}`);
    expect(wait.status).toBe(503);
    expect(wait.body.error).toMatchObject({ code: 'unavailable', retryable: true });
    expect(wait.headers.get('retry-after')).toBe('1');
  });

  it('asOf is offered only where it is honoured: the KPI reports, the trend, the breakdowns, the funnel and the stalled projects, not the project list', async () => {
    const doc = (await call(query, 'GET', '/docs/openapi.json', { key: null })).body;
    const names = (path: string) => doc.paths[path].get.parameters.map((p: { name: string }) => p.name);
    for (const path of ['/v1/kpis', '/v1/kpis/units', '/v1/kpis/trend', '/v1/breakdown', '/v1/funnel', '/v1/projects/stalled'])
      expect(names(path)).toContain('asOf');
    expect(names('/v1/projects')).not.toContain('asOf');
  });

  it('API key units: unknown, repeated or too many are refused; readers may be limited to units', async () => {
    const create = (body: unknown) => call(ingest, 'POST', '/v1/api-keys', { body });
    const repeated = await create({ name: 'w', role: 'writer', units: ['zz-airport', 'zz-airport'] });
    expect(repeated.status).toBe(400);
    expect(repeated.body.error.details[0].field).toBe('units');
    const many = await create({ name: 'w', role: 'writer', units: Array.from({ length: 100_000 }, () => 'zz-airport') });
    expect(many.status).toBe(400);
    const unknown = await create({ name: 'w', role: 'writer', units: ['nowhere'] });
    expect(unknown.body.error.details[0].field).toBe('units.0');
    const controlName = await create({ name: 'bad\u0007name', role: 'reader' });
    expect(controlName.body.error.details[0].field).toBe('name');
    expect((await create({ name: 'r', role: 'reader', units: ['zz-airport'] })).status).toBe(201);
    expect((await create({ name: 'p', role: 'partner', partnerId: 'fund-a', units: ['zz-airport'] })).status).toBe(400);
  });

  it('API answers carry nosniff and no-store', async () => {
    for (const answer of [await call(query, 'GET', '/v1/kpis'), await call(ingest, 'POST', '/v1/projects', { body: {} })]) {
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
      expect(answer.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('failed credentials are limited per client address: 429 past 100 a minute, another address unaffected', async () => {
    const attempt = (address: string, key = `guess-${randomUUID()}`) =>
      call(query, 'GET', '/v1/kpis', { key, headers: { 'x-forwarded-for': address } });
    // The bucket refills continuously (one attempt per 600 ms): a slow machine earns a few more.
    const started = Date.now();
    const statuses: number[] = [];
    while (statuses.length < 200 && statuses[statuses.length - 1] !== 429) statuses.push((await attempt('203.0.113.7')).status);
    const refilled = Math.ceil((Date.now() - started) / 600);
    expect(statuses.slice(0, 100).every((s) => s === 401)).toBe(true);
    expect(statuses[statuses.length - 1]).toBe(429);
    expect(statuses.length - 1).toBeLessThanOrEqual(100 + refilled);
    const limited = await attempt('203.0.113.7', ADMIN_KEY);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await attempt('203.0.113.8', ADMIN_KEY)).status).toBe(200);
  });
});
