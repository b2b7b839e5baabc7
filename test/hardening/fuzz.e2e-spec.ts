import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import fc from 'fast-check';
import { WRITE_COMMAND_TYPES } from '@app/write-api';
import { createQueryApi } from '../../apps/query-api/src/query-api';
import { freshDatabase, type TestDatabase } from '../support/database';
import { leadBody } from '../support/fixtures';
import { ADMIN_KEY, startIngestApi, testDeps } from '../support/services';

/**
 * HTTP fuzzing of every write endpoint, the batch and every read parameter (contract §6):
 * arbitrary JSON, strings of every Unicode category (lone surrogates and raw bytes too),
 * numbers and dates at their edges, valid commands with one field replaced. Properties: no
 * answer is 500; every 4xx has the error format and a 400 names its fields; a refused
 * command writes nothing. Seeded: FUZZ_SEED and FUZZ_RUNS (a multiplier) vary it.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20251125);
const SCALE = Number(process.env.FUZZ_RUNS ?? 1);
const runs = (n: number) => ({ seed: SEED, numRuns: Math.ceil(n * SCALE), endOnFailure: true });

const WRITE_PATHS = ['visits', 'fund-investments', 'signing', 'start', 'corrections', 'drop'] as const;

/** Text of every kind: any UTF-16 (lone surrogates too), any code point, controls, format characters, long runs. */
const anyText = fc.oneof(
  fc.string16bits({ maxLength: 40 }),
  fc.fullUnicodeString({ maxLength: 40 }),
  fc.constantFrom('', ' ', '\u0000', '\u200b', '\ufeff', '\ud800', '\udfff', '𠮷', '\t\n', '\u0085', 'a'.repeat(2001), '郑州'),
);
/** Numbers at the edges of the amounts and counts. */
const edgeNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, 1, -1, 0.5, 10_000_000_000, 10_000_000_001, Number.MAX_SAFE_INTEGER, 2 ** 63, 1e308, -1e308),
);
/** Dates at the edges: real and unreal calendar days, odd offsets, the far past and future. */
const edgeDate = fc.oneof(
  fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.toISOString()),
  fc
    .tuple(
      fc.integer({ min: -1, max: 10_000 }),
      fc.integer({ min: 0, max: 13 }),
      fc.integer({ min: 0, max: 32 }),
      fc.constantFrom('Z', '+08:00', '-23:59', '+24:00', ''),
    )
    .map(
      ([y, m, d, offset]) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}T00:00:00${offset}`,
    ),
  fc.constantFrom(
    '2025-02-29T10:00:00+08:00',
    '2024-02-29T10:00:00+08:00',
    '2025-13-01T00:00:00Z',
    '1999-12-31T23:59:59Z',
    '2000-01-01T00:00:00Z',
    '-271821-04-20T00:00:00Z',
    '+275760-09-13T00:00:00Z',
  ),
);
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: anyText },
  { weight: 2, arbitrary: edgeNumber },
  { weight: 2, arbitrary: edgeDate },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}) },
);

/** A valid body with one field (possibly nested, possibly new) replaced or removed. */
function mutated(valid: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const paths = Object.entries(valid).flatMap(([k, v]) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? [[k], ...Object.keys(v).map((n) => [k, n])] : [[k]],
  );
  return fc
    .tuple(
      fc.oneof(
        fc.constantFrom(...paths),
        anyText.map((k) => [k]),
      ),
      fc.option(anyValue, { nil: undefined }),
    )
    .map(([path, value]) => {
      const copy = structuredClone(valid);
      let target = copy as Record<string, unknown>;
      for (const key of path.slice(0, -1)) target = (target[key] = { ...(target[key] as object) }) as Record<string, unknown>;
      if (value === undefined) delete target[path[path.length - 1]];
      else target[path[path.length - 1]] = value;
      return copy;
    });
}

/** Percent-encodes raw bytes (invalid UTF-8 included) for a query string or path. */
const rawBytes = fc.uint8Array({ maxLength: 12 }).map((bytes) => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''));
const queryValue = fc.oneof(
  anyText.map((t) => encodeURIComponent(t.replace(/[\ud800-\udfff]/g, '\ufffd'))),
  edgeNumber.map((n) => encodeURIComponent(String(n))),
  edgeDate.map(encodeURIComponent),
  rawBytes,
);

describe('HTTP fuzzing (real PostgreSQL)', () => {
  let db: TestDatabase;
  let ingest: string;
  let ingestApp: NestFastifyApplication;
  let query: string;
  let queryApp: NestFastifyApplication;
  const projects: string[] = [];
  const eventCount = async () => Number((await db.pool.query('SELECT count(*) AS n FROM events')).rows[0].n);

  beforeAll(async () => {
    db = await freshDatabase();
    ({ url: ingest, app: ingestApp } = await startIngestApi(db, { RATE_LIMIT_PER_MINUTE: '0' }));
    queryApp = await createQueryApi(await testDeps(db, { MIN_POSITION_WAIT_MS: '0' }));
    await queryApp.listen({ port: 0, host: '127.0.0.1' });
    query = `http://127.0.0.1:${(queryApp.getHttpServer().address() as { port: number }).port}`;
    // Projects at every stage, for the lifecycle endpoints to reach their deeper rules.
    for (const stage of ['lead', 'signed', 'started', 'dropped']) {
      const projectId = randomUUID();
      await send('POST', '/v1/projects', JSON.stringify(leadBody({ projectId })));
      if (stage === 'signed' || stage === 'started')
        await send(
          'POST',
          `/v1/projects/${projectId}/signing`,
          JSON.stringify({ signedAmountWan: 500, occurredAt: '2025-03-01T10:00:00+08:00' }),
        );
      if (stage === 'started')
        await send(
          'POST',
          `/v1/projects/${projectId}/start`,
          JSON.stringify({ startedInvestmentWan: 300, occurredAt: '2025-04-01T10:00:00+08:00' }),
        );
      if (stage === 'dropped')
        await send('POST', `/v1/projects/${projectId}/drop`, JSON.stringify({ reason: '放弃', occurredAt: '2025-03-01T10:00:00+08:00' }));
      projects.push(projectId);
    }
  });
  afterAll(async () => {
    await queryApp.close();
    await ingestApp.close();
    await db.drop();
  });

  async function send(method: string, url: string, body?: string, headers: Record<string, string> = {}) {
    const target = url.startsWith('http') ? url : `${ingest}${url}`;
    const response = await fetch(target, {
      method,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body,
    });
    const text = await response.text();
    return { status: response.status, text, type: response.headers.get('content-type') ?? '' };
  }

  /** The answer's contract: never 500; a 4xx in the error format, a 400 naming fields. */
  function checkAnswer(answer: { status: number; text: string }, context: string): void {
    if (answer.status >= 500 && answer.status !== 503) throw new Error(`${answer.status} for ${context}: ${answer.text.slice(0, 300)}`);
    if (answer.status < 400) return;
    const body = JSON.parse(answer.text);
    checkErrorBody(answer.status, body, context);
  }

  function checkErrorBody(
    status: number,
    body: { error?: { code?: unknown; message?: unknown; details?: unknown } },
    context: string,
  ): void {
    const error = body?.error;
    if (typeof error?.code !== 'string' || typeof error.message !== 'string' || !Array.isArray(error.details)) {
      throw new Error(`${status} without the error format for ${context}: ${JSON.stringify(body).slice(0, 300)}`);
    }
    const details = error.details as { field?: unknown; message?: unknown }[];
    if (status === 400 && (details.length === 0 || details.some((d) => typeof d.field !== 'string' || typeof d.message !== 'string'))) {
      throw new Error(`400 naming no field for ${context}: ${JSON.stringify(body).slice(0, 300)}`);
    }
  }

  /** A write: checked as above, and when refused, nothing was written. */
  async function write(path: string, body: string, headers: Record<string, string> = {}) {
    const before = await eventCount();
    const answer = await send('POST', path, body, headers);
    checkAnswer(answer, `POST ${path} ${body.slice(0, 200)}`);
    if (answer.status >= 400) expect(await eventCount()).toBe(before);
    return answer;
  }

  const validBodies: Record<string, () => Record<string, unknown>> = {
    visits: () => ({ direction: 'inbound', occurredAt: '2025-02-01T10:00:00+08:00', note: '考察' }),
    'fund-investments': () => ({ fund: 'zz-angel-fund', amountWan: 100, occurredAt: '2025-02-01T10:00:00+08:00' }),
    signing: () => ({ signedAmountWan: 1000, occurredAt: '2025-03-01T10:00:00+08:00' }),
    start: () => ({ startedInvestmentWan: 1000, occurredAt: '2025-05-01T10:00:00+08:00' }),
    corrections: () => ({ changes: { name: '新名称', signedAmountWan: 900 }, reason: '更正', occurredAt: '2025-06-01T10:00:00+08:00' }),
    drop: () => ({ reason: '放弃', occurredAt: '2025-03-01T10:00:00+08:00' }),
  };
  const activityBody = () => ({
    activityId: randomUUID(),
    kind: 'outbound',
    title: '赴深圳招商',
    region: 'gba',
    unit: 'zz-airport',
    occurredAt: '2025-03-01T10:00:00+08:00',
  });

  it('POST /v1/projects: mutated leads and arbitrary JSON', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 4, arbitrary: mutated(leadBody()) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) }),
        async (body) => {
          await write(
            '/v1/projects',
            JSON.stringify({
              ...(typeof body === 'object' && body && !Array.isArray(body) ? { projectId: randomUUID() } : {}),
              ...(body as object),
            }),
          );
        },
      ),
      runs(500),
    );
  });

  it('the lifecycle endpoints: mutated bodies, arbitrary ids and idempotency keys', async () => {
    const id = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...projects) },
      { weight: 1, arbitrary: fc.uuid() },
      { weight: 2, arbitrary: queryValue },
    );
    const endpoint = fc.constantFrom(...WRITE_PATHS).chain((path) => fc.tuple(fc.constant(path), mutated(validBodies[path]())));
    const headers = fc.record(
      {
        'idempotency-key': fc.string16bits({ maxLength: 8 }).map((k) => k.replace(/[^\x21-\x7e]/g, '')),
        'if-match': fc.string({ maxLength: 4 }),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(id, endpoint, headers, async (projectId, [path, body], extra) => {
        const usable = Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== ''));
        await write(`/v1/projects/${projectId}/${path}`, JSON.stringify(body), usable);
      }),
      runs(900),
    );
  });

  it('POST /v1/activities: mutated activities', async () => {
    await fc.assert(
      fc.asyncProperty(mutated(activityBody()), async (body) => {
        await write('/v1/activities', JSON.stringify({ activityId: randomUUID(), ...body }));
      }),
      runs(200),
    );
  });

  it('POST /v1/batch: every item answered alone, in the error format when refused', async () => {
    const item = fc.oneof(
      mutated({ type: 'RegisterLead', ...leadBody() }).map((c) => ({
        ...c,
        projectId: typeof c.projectId === 'string' ? randomUUID() : c.projectId,
      })),
      fc.constantFrom(...WRITE_PATHS).chain((path) =>
        mutated({ ...validBodies[path](), projectId: projects[0] }).map((c) => ({
          type: WRITE_COMMAND_TYPES[WRITE_PATHS.indexOf(path) + 1],
          ...c,
        })),
      ),
      fc.record({ type: fc.oneof(fc.constantFrom(...WRITE_COMMAND_TYPES), anyText), commandId: anyText }, { requiredKeys: [] }),
      anyValue,
    );
    await fc.assert(
      fc.asyncProperty(fc.array(item, { maxLength: 8 }), async (commands) => {
        const before = await eventCount();
        const answer = await send('POST', '/v1/batch', JSON.stringify({ commands }));
        checkAnswer(answer, `batch ${JSON.stringify(commands).slice(0, 300)}`);
        if (answer.status !== 200) return expect(await eventCount()).toBe(before);
        const { results } = JSON.parse(answer.text) as { results: { index: number; status: number; body: never }[] };
        expect(results.map((r) => r.index)).toEqual(commands.map((_, i) => i));
        for (const r of results)
          if (r.status >= 400) checkErrorBody(r.status, r.body, `batch item ${JSON.stringify(commands[r.index]).slice(0, 200)}`);
        const written = results.filter((r) => r.status === 201).length;
        // Each accepted command here writes one event (no command of these types writes more).
        expect(await eventCount()).toBe(before + written);
      }),
      runs(400),
    );
  });

  it('raw bodies: broken JSON, other media types, deep nesting', async () => {
    const body = fc.oneof(
      fc.string16bits({ maxLength: 60 }),
      fc.nat({ max: 200 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
      fc.constantFrom('', '{', '{"a":1,}', 'null', '[]', '"\\u0000"', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}'),
    );
    const type = fc.constantFrom(
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=latin1',
      '',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/v1/projects', `/v1/projects/${projects[0]}/visits`, '/v1/batch', '/v1/activities', '/v1/api-keys'),
        body,
        type,
        async (path, raw, contentType) => {
          const before = await eventCount();
          const answer = await send('POST', path, raw, contentType ? { 'content-type': contentType } : {});
          checkAnswer(answer, `POST ${path} (${contentType}) ${raw.slice(0, 100)}`);
          if (answer.status >= 400) expect(await eventCount()).toBe(before);
        },
      ),
      runs(500),
    );
  });

  it('every read parameter the OpenAPI offers, with arbitrary values', async () => {
    const params: Record<string, string[]> = {
      '/v1/kpis': ['year', 'quarter', 'month', 'asOf', 'minPosition'],
      '/v1/kpis/units': ['year', 'quarter', 'month', 'asOf', 'minPosition'],
      '/v1/kpis.csv': ['year', 'quarter', 'month', 'asOf', 'minPosition'],
      '/v1/funnel': ['year', 'quarter', 'month', 'minPosition'],
      '/v1/breakdown': ['by', 'year', 'quarter', 'month', 'minPosition'],
      '/v1/projects': ['stage', 'unit', 'channel', 'stalledDays', 'cursor', 'limit', 'minPosition'],
      [`/v1/projects/${projects[1]}`]: ['minPosition'],
      '/v1/projections/status': ['minPosition'],
    };
    const request = fc
      .constantFrom(...Object.keys(params))
      .chain((path) => fc.tuple(fc.constant(path), fc.dictionary(fc.constantFrom(...params[path]), queryValue, { maxKeys: 4 })));
    await fc.assert(
      fc.asyncProperty(request, async ([path, values]) => {
        const search = Object.entries(values)
          .map(([k, v]) => `${k}=${v}`)
          .join('&');
        const answer = await send('GET', `${query}${path}?${search}`);
        checkAnswer(answer, `GET ${path}?${search}`);
      }),
      runs(700),
    );
  });

  it('arbitrary path ids on the read side', async () => {
    await fc.assert(
      fc.asyncProperty(queryValue, fc.constantFrom('', '/history'), async (id, suffix) => {
        const answer = await send('GET', `${query}/v1/projects/${id}${suffix}`);
        checkAnswer(answer, `GET /v1/projects/${id}${suffix}`);
      }),
      runs(200),
    );
  });
});
