import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createKafka, topicNames } from '@app/messaging';
import { createLogger } from '@app/platform';
import { Relay } from '../../apps/relay/src/relay';
import { freshDatabase, type TestDatabase } from '../support/database';
import { VALID_CREDIT_CODES, leadBody } from '../support/fixtures';
import { TopicReader, decode, provisionedPrefix, testConnection, testKafka, testSigningKeys } from '../support/kafka';
import { call, startIngestApi } from '../support/services';

const logger = createLogger('ingest-test', process.env.LOG_LEVEL || 'silent');
const at = (iso: string) => ({ occurredAt: iso });

describe('ingest API over HTTP (real PostgreSQL and Kafka)', () => {
  let db: TestDatabase;
  let url: string;
  let app: NestFastifyApplication;
  const eventCount = async () => Number((await db.pool.query('SELECT count(*) AS n FROM events')).rows[0].n);
  const post = (path: string, body: unknown, options: { key?: string | null; headers?: Record<string, string> } = {}) =>
    call(url, 'POST', path, { body, ...options });
  const newProject = async (overrides: Record<string, unknown> = {}, key?: string) => {
    const answer = await post('/v1/projects', leadBody(overrides), { key });
    expect(answer.status).toBe(201);
    return answer.body.projectId as string;
  };
  const newKey = async (body: Record<string, unknown>) => {
    const answer = await post('/v1/api-keys', body);
    expect(answer.status).toBe(201);
    return answer.body.key as string;
  };

  beforeAll(async () => {
    db = await freshDatabase();
    ({ url, app } = await startIngestApi(db, { BODY_LIMIT_BYTES: '65536' }));
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  it('a command becomes one event in the store and one message on Kafka with the envelope of contract §2', async () => {
    const prefix = await provisionedPrefix();
    const relay = new Relay(db.pool, createKafka(testConnection('relay'), 'relay', logger), logger, {
      topicPrefix: prefix,
      partitions: 2,
      signingKeys: testSigningKeys(),
    });
    await relay.start();
    const reader = new TopicReader(testKafka(), topicNames(prefix).events);
    try {
      const projectId = randomUUID();
      const answer = await post('/v1/projects', leadBody({ projectId }));
      expect(answer.status).toBe(201);
      expect(answer.body).toEqual({ projectId, version: 1, position: expect.any(Number), eventId: expect.any(String) });

      const { rows } = await db.pool.query('SELECT * FROM events WHERE stream_id = $1', [`project-${projectId}`]);
      expect(rows).toHaveLength(1);
      expect(Number(rows[0].position)).toBe(answer.body.position);

      await reader.start();
      const messages = await reader.waitFor(1);
      const envelope = messages.map(decode).find((e) => e.eventId === answer.body.eventId)!;
      expect(messages.find((m) => decode(m).eventId === answer.body.eventId)!.key!.toString()).toBe(`project-${projectId}`);
      expect(envelope).toEqual({
        eventId: answer.body.eventId,
        type: 'LeadRegistered',
        streamId: `project-${projectId}`,
        version: 1,
        position: answer.body.position,
        occurredAt: '2025-01-10T01:00:00.000Z',
        recordedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        schemaVersion: 1,
        actor: { kind: 'team', id: 'admin' },
        data: expect.objectContaining({ projectId, name: leadBody().name, unit: 'zz-airport', channels: ['industry_chain', 'fund'] }),
      });
    } finally {
      await reader.stop();
      await relay.stop();
    }
  });

  it('walks a project through its life; each answer carries the new version and position', async () => {
    const id = await newProject();
    const steps: [string, Record<string, unknown>][] = [
      ['visits', { direction: 'inbound', note: '董事长来郑考察', ...at('2025-01-20T10:00:00+08:00') }],
      ['fund-investments', { fund: 'zz-angel-fund', amountWan: 3000, ...at('2025-02-01T10:00:00+08:00') }],
      ['signing', { signedAmountWan: 1_000_000, ...at('2025-03-01T10:00:00+08:00') }],
      ['start', { startedInvestmentWan: 300_000, ...at('2025-04-01T10:00:00+08:00') }],
      ['corrections', { changes: { signedAmountWan: 1_100_000 }, reason: '合同补充协议', ...at('2025-05-01T10:00:00+08:00') }],
    ];
    let last = 0;
    for (const [i, [path, body]] of steps.entries()) {
      const answer = await post(`/v1/projects/${id}/${path}`, body);
      expect(answer.status).toBe(201);
      expect(answer.body.version).toBe(i + 2);
      expect(answer.body.position).toBeGreaterThan(last);
      last = answer.body.position;
    }
    const types = (await db.pool.query('SELECT type FROM events WHERE stream_id = $1 ORDER BY version', [`project-${id}`])).rows.map(
      (r) => r.type,
    );
    expect(types).toEqual(['LeadRegistered', 'VisitRecorded', 'FundInvestmentMade', 'ProjectSigned', 'ProjectStarted', 'ProjectCorrected']);
  });

  it('records an activity, and refuses the same activity id again with 409', async () => {
    const activityId = randomUUID();
    const body = {
      activityId,
      kind: 'outbound',
      title: '赴上海招商推介',
      region: 'yrd',
      unit: 'zz-zhengdong',
      ...at('2025-03-03T09:00:00+08:00'),
    };
    expect((await post('/v1/activities', body)).body).toEqual({
      activityId,
      version: 1,
      position: expect.any(Number),
      eventId: expect.any(String),
    });
    expect((await post('/v1/activities', body)).status).toBe(409);
  });

  it('maps lifecycle and existence refusals to 404, 409 and 422, writing nothing', async () => {
    const id = await newProject();
    const before = await eventCount();
    expect((await post(`/v1/projects/${randomUUID()}/visits`, { direction: 'inbound', ...at('2025-02-01T10:00:00+08:00') })).status).toBe(
      404,
    );
    expect((await post('/v1/projects', leadBody({ projectId: id }))).status).toBe(409);
    const early = await post(`/v1/projects/${id}/start`, { startedInvestmentWan: 1, ...at('2025-02-01T10:00:00+08:00') });
    expect(early.status).toBe(422);
    expect(early.body.error).toMatchObject({ code: 'not_signed', message: expect.stringContaining('signed') });
    expect(await eventCount()).toBe(before);
  });

  it('If-Match: a write at another version is refused with 409', async () => {
    const id = await newProject();
    const visit = { direction: 'outbound', ...at('2025-02-01T10:00:00+08:00') };
    expect((await post(`/v1/projects/${id}/visits`, visit, { headers: { 'if-match': '2' } })).status).toBe(409);
    expect((await post(`/v1/projects/${id}/visits`, visit, { headers: { 'if-match': '1' } })).body.version).toBe(2);
    expect((await post(`/v1/projects/${id}/visits`, visit, { headers: { 'if-match': '1' } })).status).toBe(409);
  });

  describe('invalid input (400): every bad field named, nothing written', () => {
    it.each<[string, string, (id: string) => Record<string, unknown>, string[]]>([
      ['unknown unit', 'projects', () => leadBody({ unit: 'nowhere' }), ['unit']],
      ['unknown chain', 'projects', () => leadBody({ industry: { chain: 'coal', sector: 'emerging' } }), ['industry.chain']],
      ['unknown sector', 'projects', () => leadBody({ industry: { chain: 'nev', sector: 'sunrise' } }), ['industry.sector']],
      ['unknown channel', 'projects', () => leadBody({ channels: ['magic'] }), ['channels.0']],
      ['unknown region', 'projects', () => leadBody({ investor: { name: 'A', originRegion: 'atlantis' } }), ['investor.originRegion']],
      [
        'bad credit code',
        'projects',
        () => leadBody({ investor: { name: 'A', originRegion: 'jjj', creditCode: VALID_CREDIT_CODES[1].slice(0, 17) + '0' } }),
        ['investor.creditCode'],
      ],
      ['non-integer amount', 'projects', () => leadBody({ plannedInvestmentWan: 10.5 }), ['plannedInvestmentWan']],
      ['amount out of range', 'projects', () => leadBody({ plannedInvestmentWan: 1e15 }), ['plannedInvestmentWan']],
      ['empty name', 'projects', () => leadBody({ name: '' }), ['name']],
      ['occurredAt without offset', 'projects', () => leadBody({ occurredAt: '2025-01-10 09:00:00' }), ['occurredAt']],
      [
        'occurredAt over 24 h ahead',
        'projects',
        () => leadBody({ occurredAt: new Date(Date.now() + 25 * 3600_000).toISOString() }),
        ['occurredAt'],
      ],
      ['unknown field', 'projects', () => leadBody({ priority: 'high' }), ['priority']],
      ['unknown fund', 'fund-investments', () => ({ fund: 'nope', amountWan: 1, ...at('2025-02-01T10:00:00+08:00') }), ['fund']],
      [
        'zero fund amount',
        'fund-investments',
        () => ({ fund: 'zz-angel-fund', amountWan: 0, ...at('2025-02-01T10:00:00+08:00') }),
        ['amountWan'],
      ],
      ['empty reason', 'drop', () => ({ reason: ' ', ...at('2025-02-01T10:00:00+08:00') }), ['reason']],
      [
        'empty reason and no changes',
        'corrections',
        () => ({ changes: {}, reason: '', ...at('2025-02-01T10:00:00+08:00') }),
        ['changes', 'reason'],
      ],
      [
        'unknown activity kind and unit',
        'activities',
        () => ({ kind: 'gala', title: 't', region: 'yrd', unit: 'x', ...at('2025-02-01T10:00:00+08:00') }),
        ['kind', 'unit'],
      ],
    ])('%s', async (_name, path, body, fields) => {
      const id = await newProject();
      const before = await eventCount();
      const route = path === 'projects' || path === 'activities' ? `/v1/${path}` : `/v1/projects/${id}/${path}`;
      const answer = await post(route, body(id));
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('invalid_input');
      expect(answer.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(fields.sort());
      expect(await eventCount()).toBe(before);
    });

    it('a body that is not JSON, or not an object, is a 400 in the same error shape', async () => {
      const notJson = await call(url, 'POST', '/v1/projects', { raw: '{"name": ' });
      expect(notJson.status).toBe(400);
      expect(notJson.body.error.code).toBe('invalid_input');
      const list = await post('/v1/projects', [1, 2]);
      expect(list.status).toBe(400);
      expect(list.body.error.details).toEqual([{ field: 'body', message: expect.any(String) }]);
    });

    it('a body over the limit is refused with 413, and a batch of more than 1,000 commands too', async () => {
      const huge = await post('/v1/projects', leadBody({ name: 'x'.repeat(70_000) }));
      expect(huge.status).toBe(413);
      expect(huge.body.error.code).toBe('payload_too_large');
      const many = await post('/v1/batch', { commands: Array.from({ length: 1001 }, () => ({ type: 'RecordVisit' })) });
      expect(many.status).toBe(413);
    });
  });

  describe('idempotency', () => {
    it('the same Idempotency-Key with the same body returns the first answer and writes nothing more', async () => {
      const key = randomUUID();
      const body = leadBody({ projectId: undefined });
      const first = await post('/v1/projects', body, { headers: { 'idempotency-key': key } });
      expect(first.status).toBe(201);
      const before = await eventCount();
      const replay = await post('/v1/projects', body, { headers: { 'idempotency-key': key } });
      expect(replay.status).toBe(201);
      expect(replay.body).toEqual(first.body);
      expect(await eventCount()).toBe(before);
    });

    it('the same key with another body is refused with 422', async () => {
      const key = randomUUID();
      expect((await post('/v1/projects', leadBody(), { headers: { 'idempotency-key': key } })).status).toBe(201);
      const other = await post('/v1/projects', leadBody({ name: '另一个项目' }), { headers: { 'idempotency-key': key } });
      expect(other.status).toBe(422);
      expect(other.body.error.code).toBe('idempotency_key_reused');
    });

    it('concurrent requests with one key write once and all get the same answer', async () => {
      const key = randomUUID();
      const id = await newProject();
      const before = await eventCount();
      const visit = { direction: 'inbound', ...at('2025-02-01T10:00:00+08:00') };
      const answers = await Promise.all(
        Array.from({ length: 6 }, () => post(`/v1/projects/${id}/visits`, visit, { headers: { 'idempotency-key': key } })),
      );
      expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201, 201]);
      expect(new Set(answers.map((a) => a.body.eventId)).size).toBe(1);
      expect(await eventCount()).toBe(before + 1);
    });

    it('a batch item with a commandId already answered is a replay', async () => {
      const id = randomUUID();
      const item = { type: 'RegisterLead', commandId: `lead-${id}`, ...leadBody({ projectId: id }) };
      const first = await post('/v1/batch', { commands: [item] });
      const before = await eventCount();
      const again = await post('/v1/batch', { commands: [item, item] });
      expect(again.body.results.map((r: { status: number }) => r.status)).toEqual([201, 201]);
      expect(again.body.results[0].body).toEqual(first.body.results[0].body);
      expect(await eventCount()).toBe(before);
    });
  });

  describe('batch', () => {
    it('runs commands in order, each alone: stores exactly the good ones and answers each like its single call', async () => {
      const a = randomUUID();
      const before = await eventCount();
      const answer = await post('/v1/batch', {
        commands: [
          { type: 'RegisterLead', ...leadBody({ projectId: a }) },
          { type: 'RecordVisit', projectId: a, direction: 'inbound', ...at('2025-01-11T10:00:00+08:00') },
          { type: 'StartProject', projectId: a, startedInvestmentWan: 5, ...at('2025-01-12T10:00:00+08:00') },
          { type: 'SignProject', projectId: a, signedAmountWan: 50_000, ...at('2025-01-12T10:00:00+08:00') },
          { type: 'SignProject', projectId: a, signedAmountWan: 1, ...at('2025-01-13T10:00:00+08:00') },
          { type: 'RecordVisit', projectId: randomUUID(), direction: 'inbound', ...at('2025-01-11T10:00:00+08:00') },
          { type: 'RegisterLead', ...leadBody({ unit: 'nowhere' }) },
          { type: 'Teleport', projectId: a },
          'not an object',
          {
            type: 'RecordActivity',
            kind: 'conference',
            title: '中国(郑州)产业转移系列对接活动',
            region: 'henan',
            unit: 'zz-etdz',
            ...at('2025-06-01T09:00:00+08:00'),
          },
        ],
      });
      expect(answer.status).toBe(200);
      const results = answer.body.results as { index: number; status: number; body: any }[];
      expect(results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(results.map((r) => r.status)).toEqual([201, 201, 422, 201, 422, 404, 400, 400, 400, 201]);
      expect(results[3].body).toEqual({ projectId: a, version: 3, position: expect.any(Number), eventId: expect.any(String) });
      expect(results[6].body.error.details).toEqual([{ field: 'unit', message: expect.any(String) }]);
      expect(results[2].body.error.code).toBe('not_signed');
      expect(await eventCount()).toBe(before + 4);
      const types = (await db.pool.query('SELECT type FROM events WHERE stream_id = $1 ORDER BY version', [`project-${a}`])).rows.map(
        (r) => r.type,
      );
      expect(types).toEqual(['LeadRegistered', 'VisitRecorded', 'ProjectSigned']);
    });

    it('concurrent batches on the same projects never lose or duplicate a version', async () => {
      const ids = [randomUUID(), randomUUID(), randomUUID()];
      await post('/v1/batch', { commands: ids.map((projectId) => ({ type: 'RegisterLead', ...leadBody({ projectId }) })) });
      const visits = ids.flatMap((projectId) =>
        [1, 2, 3, 4, 5].map(() => ({ type: 'RecordVisit', projectId, direction: 'inbound', ...at('2025-02-01T10:00:00+08:00') })),
      );
      const answers = await Promise.all(Array.from({ length: 6 }, () => post('/v1/batch', { commands: visits })));
      for (const a of answers) expect(a.body.results.every((r: { status: number }) => r.status === 201)).toBe(true);
      for (const projectId of ids) {
        const versions = (
          await db.pool.query('SELECT version FROM events WHERE stream_id = $1 ORDER BY version', [`project-${projectId}`])
        ).rows.map((r) => r.version);
        expect(versions).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
      }
    });
  });

  describe('keys and roles', () => {
    const visit = { direction: 'inbound', ...at('2025-02-01T10:00:00+08:00') };

    it('no key, an unknown key and a revoked key are 401', async () => {
      expect((await post('/v1/projects', leadBody(), { key: null })).status).toBe(401);
      expect((await post('/v1/projects', leadBody(), { key: 'nope' })).status).toBe(401);
      const key = await newKey({ name: 'temp', role: 'writer' });
      const { body: list } = await call(url, 'GET', '/v1/api-keys');
      const id = list.find((k: { name: string }) => k.name === 'temp').id;
      expect(JSON.stringify(list)).not.toContain(key);
      expect((await call(url, 'DELETE', `/v1/api-keys/${id}`)).status).toBe(204);
      expect((await post('/v1/projects', leadBody(), { key })).status).toBe(401);
    });

    it('keys are stored hashed', async () => {
      const key = await newKey({ name: 'hashed', role: 'reader' });
      const { rows } = await db.pool.query('SELECT key_hash::text AS h FROM api_keys');
      expect(JSON.stringify(rows)).not.toContain(key);
    });

    it('a reader key cannot write; only an admin manages keys', async () => {
      const reader = await newKey({ name: 'bi', role: 'reader' });
      const writer = await newKey({ name: 'team', role: 'writer' });
      expect((await post('/v1/projects', leadBody(), { key: reader })).status).toBe(403);
      expect((await post('/v1/batch', { commands: [] }, { key: reader })).status).toBe(403);
      expect((await post('/v1/api-keys', { name: 'x', role: 'admin' }, { key: writer })).status).toBe(403);
      expect((await call(url, 'GET', '/v1/api-keys', { key: writer })).status).toBe(403);
    });

    it('creating a key names its bad fields', async () => {
      const answer = await post('/v1/api-keys', { name: '', role: 'boss', units: ['nowhere'], extra: 1 });
      expect(answer.status).toBe(400);
      expect(answer.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['extra', 'name', 'role']);
      const units = await post('/v1/api-keys', { name: 'w', role: 'writer', units: ['nowhere'] });
      expect(units.body.error.details).toEqual([{ field: 'units.0', message: expect.any(String) }]);
    });

    it('a writer limited to units writes only for them, also when a correction moves a project', async () => {
      const writer = await newKey({ name: 'airport team', role: 'writer', units: ['zz-airport'] });
      expect((await post('/v1/projects', leadBody({ unit: 'zz-erqi' }), { key: writer })).status).toBe(403);
      const own = await newProject({ unit: 'zz-airport' }, writer);
      const other = await newProject({ unit: 'zz-erqi' });
      expect((await post(`/v1/projects/${own}/visits`, visit, { key: writer })).status).toBe(201);
      expect((await post(`/v1/projects/${other}/visits`, visit, { key: writer })).status).toBe(403);
      const move = { changes: { unit: 'zz-erqi' }, reason: '调整责任单位', ...at('2025-02-02T10:00:00+08:00') };
      expect((await post(`/v1/projects/${own}/corrections`, move, { key: writer })).status).toBe(403);
      const batch = await post(
        '/v1/batch',
        {
          commands: [
            { type: 'RecordVisit', projectId: other, ...visit },
            { type: 'RecordVisit', projectId: own, ...visit },
          ],
        },
        { key: writer },
      );
      expect(batch.body.results.map((r: { status: number }) => r.status)).toEqual([403, 201]);
    });

    it('a partner writes only for the projects it registered, as actor partner', async () => {
      const partner = await newKey({ name: '中原基金', role: 'partner', partnerId: 'fund-zy' });
      const otherPartner = await newKey({ name: '某中介', role: 'partner', partnerId: 'agency-1' });
      const mine = await newProject({}, partner);
      const teams = await newProject();
      expect((await post(`/v1/projects/${mine}/visits`, visit, { key: partner })).status).toBe(201);
      expect((await post(`/v1/projects/${mine}/visits`, visit, { key: otherPartner })).status).toBe(403);
      expect((await post(`/v1/projects/${teams}/visits`, visit, { key: partner })).status).toBe(403);
      expect(
        (
          await post(
            '/v1/activities',
            { kind: 'inbound', title: 't', region: 'yrd', unit: 'zz-etdz', ...at('2025-02-01T10:00:00+08:00') },
            { key: partner },
          )
        ).status,
      ).toBe(403);
      const { rows } = await db.pool.query('SELECT actor FROM events WHERE stream_id = $1 ORDER BY version', [`project-${mine}`]);
      expect(rows.map((r) => r.actor)).toEqual([
        { kind: 'partner', id: 'fund-zy' },
        { kind: 'partner', id: 'fund-zy' },
      ]);
    });

    it('a partner key must name its partner', async () => {
      const answer = await post('/v1/api-keys', { name: 'p', role: 'partner' });
      expect(answer.status).toBe(400);
      expect(answer.body.error.details.map((d: { field: string }) => d.field)).toEqual(['partnerId']);
    });
  });

  it('rate-limits each key: 429 with Retry-After, a batch counting as one request', async () => {
    const limited = await startIngestApi(db, { RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const commands = Array.from({ length: 5 }, () => ({ type: 'RegisterLead', ...leadBody({ projectId: randomUUID() }) }));
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await call(limited.url, 'POST', '/v1/batch', { body: { commands } })).status);
      expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
      const refused = await call(limited.url, 'POST', '/v1/batch', { body: { commands } });
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(refused.body.error.code).toBe('rate_limited');
    } finally {
      await limited.app.close();
    }
  });

  it('serves /health, /metrics and the OpenAPI document', async () => {
    expect((await call(url, 'GET', '/health', { key: null })).body).toMatchObject({ status: 'ok' });
    const metrics = await fetch(`${url}/metrics`).then((r) => r.text());
    expect(metrics).toContain('commands_total');
    const openapi = (await call(url, 'GET', '/docs/openapi.json', { key: null })).body;
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining(['/v1/projects', '/v1/projects/{id}/signing', '/v1/batch', '/v1/api-keys']),
    );
  });
});
