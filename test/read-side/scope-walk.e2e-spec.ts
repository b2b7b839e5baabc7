import { randomUUID } from 'node:crypto';
import ExcelJS from 'exceljs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createConsoleApp } from '../../apps/console/src/console.module';
import { VALID_CREDIT_CODES, correctCommand as correct, signCommand as sign, tick } from '../support/fixtures';
import { CONSOLE_ADMIN_PASSWORD, ConsoleClient } from '../support/console';
import { startPipeline, type Pipeline } from '../support/pipeline';
import { ADMIN_KEY, call, testDeps } from '../support/services';

/**
 * The scope of reads (contract §6) walked route by route: every GET route of the query API and
 * of the console, listed from their OpenAPI documents, is read as the admin and as a caller
 * limited to 航空港区 — an API key and a person — and the answers compared by the table:
 * project-level data is scoped, aggregates are not. A route the walk does not classify fails it.
 */
const OWN_UNITS = ['zz-airport'];
const own = (unit: string) => OWN_UNITS.includes(unit);

const ids = {
  a1: randomUUID(), // airport: signed at a quarter's end, raised and moved out of the quarter after the close
  a2: randomUUID(), // airport: investor "ACME Holdings" with a credit code
  a3: randomUUID(), // airport: dropped
  h1: randomUUID(), // hitech: the same investor as a1 (credit code), signed in 2025: 重复统计 with a1
  h2: randomUUID(), // hitech: investor "Acme  holdings" without a code, signed and started
  h3: randomUUID(), // hitech: signed into the closed quarter after the close
  m1: randomUUID(), // airport, moved to hitech after the close (its flags name airport)
  e1: randomUUID(), // erqi: a lead
};
const activities = { airport: randomUUID(), hitech: randomUUID() };
const FOREIGN = [ids.h1, ids.h2, ids.h3, ids.m1, ids.e1];

const lead = (projectId: string, unit: string, investor: Record<string, unknown>, occurredAt = '2025-01-10T10:00:00+08:00') => ({
  type: 'RegisterLead',
  projectId,
  name: `范围项目-${projectId.slice(0, 8)}`,
  investor: { originRegion: 'yrd', ...investor },
  industry: { chain: 'nev', sector: 'emerging' },
  industrial: true,
  channels: ['industry_chain'],
  unit,
  plannedInvestmentWan: 100_000,
  occurredAt,
});
const activity = (activityId: string, unit: string) => ({
  type: 'RecordActivity',
  activityId,
  kind: 'outbound',
  title: `赴深圳推介会-${unit}`,
  region: 'gba',
  unit,
  occurredAt: '2025-05-20T14:00:00+08:00',
});
/** Waits until the read models have applied `position` (the projector may lag on a busy machine). */
async function applied(pipeline: Pipeline, position: number): Promise<void> {
  for (let tries = 0; ; tries++) {
    const answer = await call(pipeline.queryUrl, 'GET', `/v1/projections/status?minPosition=${position}`);
    if (answer.status === 200) return;
    if (tries === 30) throw new Error(`the read models did not reach ${position}: ${JSON.stringify(answer.body)}`);
  }
}
const round10 = (x: number) => Math.round(x * 1e10) / 1e10;

/** An answer as the walk compares it: JSON, text (CSV) or the cells of a workbook. */
interface Answer {
  status: number;
  body: any;
  /** What a leak would show in: the JSON, the text, or every cell's text. */
  text: string;
}

/** One caller of one app: the admin or a unit-limited caller, by API key or by console session. */
type Reader = (path: string) => Promise<Answer>;

async function answerOf(response: Response): Promise<Answer> {
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('spreadsheetml')) {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(await response.arrayBuffer()) as never);
    const sheets = workbook.worksheets.map((sheet) => {
      const rows: unknown[][] = [];
      sheet.eachRow((row) => {
        const values = (row.values as unknown[]).slice(1).map((v) => (v instanceof Date ? v.toISOString() : v));
        // When it was made and how far it counts differ from one request to the next.
        if (values[0] !== '生成时间' && values[0] !== '数据位置') rows.push(values);
      });
      return { name: sheet.name, rows };
    });
    return { status: response.status, body: sheets, text: JSON.stringify(sheets) };
  }
  const text = await response.text();
  if (type.includes('json')) return { status: response.status, body: text ? JSON.parse(text) : null, text };
  return { status: response.status, body: text, text };
}

/** Current reports carry when they were computed and how far they count: not part of what is compared. */
function withoutStamps(body: any): any {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const { asOf: _asOf, position: _position, ...rest } = body;
  return rest;
}

type Route =
  | { kind: 'aggregate'; queries: string[] }
  | { kind: 'global'; queries: string[] }
  | { kind: 'admin-only' }
  | { kind: 'own-session' }
  | { kind: 'project' }
  | { kind: 'list'; queries: string[]; items: (body: any) => any[]; unitOf: (item: any) => string; count?: (body: any) => number }
  | { kind: 'export'; queries: string[] }
  | { kind: 'changes'; queries: string[] }
  | { kind: 'flags'; queries: string[] }
  | { kind: 'investor'; queries: string[] };

describe('the scope of reads, walked over every read route as a unit-limited key and person (real pipeline)', () => {
  let pipeline: Pipeline;
  let consoleApp: NestFastifyApplication;
  let consoleUrl: string;
  let last: number;
  let from: string;
  let to: string;
  /** Every project's current unit, and every project or activity event's unit (by its stream's current unit). */
  const unitOfProject = new Map<string, string>();
  const unitOfEvent = new Map<string, string>();
  const foreignEventIds: string[] = [];
  const foreignNames: string[] = [];

  const queryReader =
    (key: string): Reader =>
    async (path) =>
      answerOf(await fetch(`${pipeline.queryUrl}${path}`, { headers: { authorization: `Bearer ${key}` } }));
  const consoleReader = async (username: string, password: string): Promise<Reader> => {
    const client = new ConsoleClient(consoleUrl);
    expect((await client.login(username, password)).status).toBe(200);
    return async (path) => answerOf(await fetch(`${consoleUrl}${path}`, { headers: { cookie: client.cookie } }));
  };

  beforeAll(async () => {
    pipeline = await startPipeline();
    consoleApp = await createConsoleApp(await testDeps(pipeline.db, { CONSOLE_ADMIN_PASSWORD, MIN_POSITION_WAIT_MS: '5000' }));
    await consoleApp.listen({ port: 0, host: '127.0.0.1' });
    consoleUrl = `http://127.0.0.1:${(consoleApp.getHttpServer().address() as { port: number }).port}`;

    from = new Date(Date.now() - 1000).toISOString();
    const [code, otherCode] = VALID_CREDIT_CODES;
    const closedIn = await pipeline.batch([
      lead(ids.a1, 'zz-airport', { name: '比亚迪股份有限公司', creditCode: code }),
      { type: 'RecordVisit', projectId: ids.a1, direction: 'inbound', occurredAt: '2025-02-01T10:00:00+08:00' },
      sign(ids.a1, 300_000, '2025-03-25T10:00:00+08:00'),
      {
        type: 'RecordFundInvestment',
        projectId: ids.a1,
        fund: 'zz-central-city-fund',
        amountWan: 5_000,
        occurredAt: '2025-03-26T10:00:00+08:00',
      },
      lead(ids.a2, 'zz-airport', { name: 'ACME Holdings', creditCode: otherCode }),
      lead(ids.a3, 'zz-airport', { name: '某终止投资方' }),
      { type: 'DropProject', projectId: ids.a3, reason: '投资方放弃', occurredAt: '2025-02-10T10:00:00+08:00' },
      lead(ids.h1, 'zz-hitech', { name: '比亚迪（郑州）', creditCode: code }),
      { type: 'RecordVisit', projectId: ids.h1, direction: 'inbound', occurredAt: '2025-02-02T10:00:00+08:00' },
      sign(ids.h1, 400_000, '2025-02-15T10:00:00+08:00'),
      lead(ids.h2, 'zz-hitech', { name: 'Acme  holdings' }),
      sign(ids.h2, 200_000, '2025-03-01T10:00:00+08:00'),
      { type: 'StartProject', projectId: ids.h2, startedInvestmentWan: 50_000, occurredAt: '2025-03-20T10:00:00+08:00' },
      { ...lead(ids.h3, 'zz-hitech', { name: '高新投资方' }), industry: { chain: 'nev', sector: 'other' } },
      lead(ids.m1, 'zz-airport', { name: '迁移投资方' }),
      sign(ids.m1, 150_000, '2025-03-28T10:00:00+08:00'),
      lead(ids.e1, 'zz-erqi', { name: '二七投资方' }),
      activity(activities.airport, 'zz-airport'),
      activity(activities.hitech, 'zz-hitech'),
    ]);
    await applied(pipeline, closedIn);
    await tick();
    expect((await call(pipeline.ingestUrl, 'POST', '/v1/periods/2025-Q1/close', { body: { reason: '一季度关账' } })).status).toBe(201);
    await tick();
    last = await pipeline.batch([
      sign(ids.h3, 120_000, '2025-03-10T10:00:00+08:00'),
      correct(ids.a1, { signedAmountWan: 400_000 }),
      correct(ids.a1, { signedAt: '2025-04-03T10:00:00+08:00' }),
      correct(ids.h1, { signedAmountWan: 600_000 }),
      correct(ids.m1, { unit: 'zz-hitech', signedAmountWan: 170_000 }),
    ]);
    await applied(pipeline, last);
    to = new Date().toISOString();

    const { rows } = await pipeline.db.pool.query(
      `SELECT e.event_id, e.stream_id, coalesce(p.unit, e.data->>'unit') AS unit, p.state->>'name' AS name
         FROM events e LEFT JOIN rm.projects p ON e.stream_id = 'project-' || p.project_id
        WHERE e.stream_id NOT LIKE 'plan-%'`,
    );
    for (const r of rows) {
      unitOfEvent.set(r.event_id, r.unit);
      if (r.stream_id.startsWith('project-')) unitOfProject.set(r.stream_id.slice('project-'.length), r.unit);
      if (!own(r.unit)) {
        foreignEventIds.push(r.event_id);
        if (r.name) foreignNames.push(r.name);
      }
    }
    expect(FOREIGN.every((id) => !own(unitOfProject.get(id)!))).toBe(true);
  });

  afterAll(async () => {
    await consoleApp?.close();
    await pipeline?.close();
  });

  const kpiQueries = ['?year=2025', '?year=2025&quarter=1', `?year=2025&quarter=1&asOf=${encodeURIComponent(new Date().toISOString())}`];
  const routes = (): Record<string, Route> => {
    const till = `&to=${encodeURIComponent(to)}`;
    return {
      '/v1/kpis': { kind: 'aggregate', queries: kpiQueries },
      '/v1/kpis/units': { kind: 'aggregate', queries: kpiQueries },
      '/v1/kpis.csv': { kind: 'aggregate', queries: ['?year=2025&quarter=1'] },
      '/v1/kpis/trend': { kind: 'aggregate', queries: ['?year=2025', '?year=2025&unit=zz-hitech', '?year=2025&unit=zz-airport'] },
      '/v1/funnel': { kind: 'aggregate', queries: ['?year=2025'] },
      '/v1/breakdown': { kind: 'aggregate', queries: ['?by=unit&year=2025', '?by=channel&year=2025&unit=zz-hitech'] },
      '/v1/reports/monthly.xlsx': { kind: 'aggregate', queries: ['?year=2025&month=5'] },
      '/v1/reference': { kind: 'global', queries: [''] },
      '/v1/periods': { kind: 'global', queries: ['?year=2025'] },
      '/v1/projections/status': { kind: 'global', queries: [''] },
      '/v1/projections/position': { kind: 'global', queries: ['?after=0&waitMs=0'] },
      '/v1/ledger/template.xlsx': { kind: 'global', queries: [''] },
      '/v1/session': { kind: 'own-session' },
      '/v1/people': { kind: 'admin-only' },
      '/v1/people/audit': { kind: 'admin-only' },
      '/v1/projects/{id}': { kind: 'project' },
      '/v1/projects/{id}/history': { kind: 'project' },
      '/v1/projects': {
        kind: 'list',
        queries: ['?limit=500', '?limit=500&stage=signed', '?limit=500&chain=nev&q=范围'],
        items: (body) => body.items,
        unitOf: (p) => p.unit,
      },
      '/v1/projects/stalled': {
        kind: 'list',
        queries: ['?days=30&limit=500'],
        items: (body) => body.items,
        unitOf: (p) => p.unit,
        count: (body) => body.count,
      },
      '/v1/activities': { kind: 'list', queries: ['?limit=500'], items: (body) => body.items, unitOf: (a) => a.unit },
      '/v1/projects.xlsx': { kind: 'export', queries: ['', '?stage=signed'] },
      '/v1/kpis/changes': {
        kind: 'changes',
        queries: [
          '?year=2025&quarter=1&code=signed_total_wan' + till,
          '?year=2025&quarter=1&code=region_signed_count.yrd' + till,
          '?year=2025&quarter=1&code=emerging_future_share' + till,
          '?year=2025&quarter=1&code=unit.signed_total_wan&scope=zz-airport' + till,
          '?year=2025&quarter=1&code=unit.signed_total_wan&scope=zz-hitech' + till,
          `?year=2025&code=outbound_activity_count&from=${encodeURIComponent(from)}` + till,
          `?year=2025&code=inbound_enterprise_count&from=${encodeURIComponent(from)}` + till,
          `?year=2025&quarter=1&code=fund_invested_count&from=${encodeURIComponent(from)}` + till,
        ],
      },
      '/v1/quality/flags': { kind: 'flags', queries: ['?limit=500', '?limit=500&rule=duplicate_claim', '?limit=2'] },
      '/v1/investor-projects': {
        kind: 'investor',
        queries: [
          `?investorName=${encodeURIComponent('比亚迪')}&creditCode=${VALID_CREDIT_CODES[0]}&unit=zz-erqi`,
          `?investorName=${encodeURIComponent('acme holdings')}&unit=zz-erqi`,
          `?investorName=${encodeURIComponent('acme holdings')}&creditCode=${VALID_CREDIT_CODES[1]}&unit=zz-airport`,
        ],
      },
    };
  };

  /** Every page of a paged answer (flags, with a small limit) put together. */
  const allPages = async (read: Reader, path: string, items: (body: any) => any[]) => {
    const collected: any[] = [];
    let cursor: string | null = null;
    do {
      const answer: Answer = await read(cursor ? `${path}&cursor=${encodeURIComponent(cursor)}` : path);
      expect(answer.status).toBe(200);
      collected.push(...items(answer.body));
      cursor = answer.body.nextCursor;
    } while (cursor);
    return collected;
  };

  const walk = async (app: 'query' | 'console', admin: Reader, limited: Reader) => {
    const url = app === 'query' ? pipeline.queryUrl : consoleUrl;
    // The console's documents are for people logged in: the admin reads them as anyone reads any route here.
    const document =
      app === 'query'
        ? (await call(url, 'GET', '/docs/openapi.json', { key: null })).body
        : JSON.parse((await admin('/docs/openapi.json')).text);
    const paths = Object.entries(document.paths as Record<string, Record<string, unknown>>)
      .filter(([, operations]) => 'get' in operations)
      .map(([path]) => path);
    const table = routes();
    // What the walk saw of the partial cases, so that it cannot pass on data that has none.
    let merged = 0;
    let redacted = 0;
    let named = 0;
    expect(paths.filter((path) => !(path in table))).toEqual([]); // a new read route must be classified here
    const checked: string[] = [];
    const noLeak = (path: string, answer: Answer) => {
      for (const secret of [...FOREIGN, ...foreignEventIds, ...foreignNames])
        if (answer.text.includes(secret)) throw new Error(`${app} ${path} shows ${secret} of another unit`);
    };

    // Every route is checked, each failure kept: the walk reports all the routes that break the table at once.
    const failures: string[] = [];
    for (const path of paths) {
      try {
        await check(path, table[path]);
      } catch (error) {
        failures.push(`${app} ${path}: ${(error as Error).message.slice(0, 600)}`);
      }
    }
    expect(failures).toEqual([]);
    expect({ merged: merged > 0, redacted: redacted > 0, named: named > 0 }).toEqual({ merged: true, redacted: true, named: true });
    return checked;

    async function check(path: string, route: Route) {
      const both = async (p: string) => {
        const [a, l] = await Promise.all([admin(p), limited(p)]);
        expect([p, a.status]).toEqual([p, 200]);
        if (l.status === 200) noLeak(p, l);
        checked.push(p);
        return [a, l] as const;
      };
      switch (route.kind) {
        case 'aggregate':
          for (const q of route.queries) {
            const [a, l] = await both(`${path}${q}`);
            expect([path + q, l.status]).toEqual([path + q, 200]);
            expect(withoutStamps(l.body)).toEqual(withoutStamps(a.body));
          }
          break;
        case 'global':
          for (const q of route.queries) {
            const [, l] = await both(`${path}${q}`);
            expect([path + q, l.status]).toEqual([path + q, 200]);
          }
          break;
        case 'admin-only': {
          const [, l] = await both(path);
          expect([path, l.status]).toEqual([path, 403]);
          break;
        }
        case 'own-session': {
          const [, l] = await both(path);
          expect([path, l.status]).toEqual([path, 200]);
          break;
        }
        case 'project':
          for (const id of [ids.a1, ids.a2, ids.a3, ...FOREIGN]) {
            const p = path.replace('{id}', id);
            const [a, l] = await both(p);
            if (own(unitOfProject.get(id)!)) expect([p, l.status, l.body]).toEqual([p, 200, a.body]);
            else expect([p, l.status]).toEqual([p, 404]);
          }
          break;
        case 'list':
          for (const q of route.queries) {
            const [a, l] = await both(`${path}${q}`);
            expect([path + q, l.status]).toEqual([path + q, 200]);
            const expected = route.items(a.body).filter((item) => own(route.unitOf(item)));
            expect(route.items(l.body)).toEqual(expected);
            if (route.count) expect(route.count(l.body)).toBe(expected.length);
          }
          break;
        case 'export':
          for (const q of route.queries) {
            const [a, l] = await both(`${path}${q}`);
            expect([path + q, l.status]).toEqual([path + q, 200]);
            const [header, ...rows] = a.body[0].rows as unknown[][];
            const idColumn = header.indexOf('项目ID');
            const serialColumn = header.indexOf('序号');
            // 序号 numbers each export's own rows; every other cell is the admin's, filtered to the caller's units.
            const withoutSerial = (row: unknown[]) => row.filter((_, i) => i !== serialColumn);
            const [limitedHeader, ...limitedRows] = l.body[0].rows as unknown[][];
            expect([limitedHeader, ...limitedRows].map(withoutSerial)).toEqual(
              [header, ...rows.filter((row) => own(unitOfProject.get(row[idColumn] as string)!))].map(withoutSerial),
            );
            expect(limitedRows.map((row) => row[serialColumn])).toEqual(limitedRows.map((_, i) => i + 1));
          }
          break;
        case 'changes':
          for (const q of route.queries) {
            const [a, l] = await both(`${path}${q}`);
            expect([path + q, l.status]).toEqual([path + q, 200]);
            const { contributions, ...totals } = a.body;
            expect([path + q, contributions.length > 0]).toEqual([path + q, true]);
            const mine = contributions.filter((c: any) => own(unitOfEvent.get(c.eventId)!));
            const others = contributions.filter((c: any) => !own(unitOfEvent.get(c.eventId)!));
            const otherUnits = others.length
              ? [{ type: 'other_units', delta: round10(others.reduce((s: number, c: any) => s + c.delta, 0)) }]
              : [];
            expect([path + q, l.body]).toEqual([path + q, { ...totals, contributions: [...mine, ...otherUnits] }]);
            merged += otherUnits.length;
          }
          break;
        case 'flags':
          for (const q of route.queries) {
            const p = `${path}${q}`;
            const adminFlags = await allPages(admin, p, (body) => body.items);
            const limitedFlags = await allPages(limited, p, (body) => body.items);
            checked.push(p);
            noLeak(p, { status: 200, body: limitedFlags, text: JSON.stringify(limitedFlags) });
            const expected = adminFlags.flatMap((flag) => {
              const mine = flag.projectIds.filter((id: string) => own(unitOfProject.get(id)!));
              const touches = mine.length > 0 || flag.units.some(own);
              if (!touches) return [];
              if (mine.length === flag.projectIds.length) return [flag];
              // Named by its unit code only: no id, event or amount of the other units' projects.
              return [
                {
                  id: expect.any(String),
                  rule: flag.rule,
                  period: flag.period,
                  units: flag.units,
                  projectIds: mine,
                  eventIds: flag.eventIds.filter((id: string) => own(unitOfEvent.get(id)!)),
                  detail: expect.any(Object),
                },
              ];
            });
            expect([p, limitedFlags]).toEqual([p, expected]);
            redacted += limitedFlags.filter((f: any) => !adminFlags.some((flag) => flag.id === f.id)).length;
            for (const flag of limitedFlags.filter((f: any) => !adminFlags.some((a: any) => a.id === f.id))) {
              if (flag.projectIds.length === 0) expect(JSON.stringify(flag.detail)).not.toMatch(/\d{4,}/); // no amount of theirs
            }
          }
          break;
        case 'investor':
          for (const q of route.queries) {
            const [a, l] = await both(`${path}${q}`);
            expect([path + q, l.status]).toEqual([path + q, 200]);
            expect(a.body.projects.length).toBeGreaterThan(0);
            expect(l.body.projects).toEqual(a.body.projects.map((p: any) => (own(p.unit) ? p : { unit: p.unit })));
            named += l.body.projects.filter((p: any) => !own(p.unit)).length;
          }
          break;
      }
    }
  };

  it('the query API: a reader key limited to a unit sees its units’ projects and items, and every aggregate', async () => {
    const created = await call(pipeline.ingestUrl, 'POST', '/v1/api-keys', {
      body: { name: 'airport BI', role: 'reader', units: OWN_UNITS },
    });
    const checked = await walk('query', queryReader(ADMIN_KEY), queryReader(created.body.key));
    expect(checked.length).toBeGreaterThan(40);
  });

  it('the query API: a writer key limited to a unit reads the same', async () => {
    const created = await call(pipeline.ingestUrl, 'POST', '/v1/api-keys', {
      body: { name: 'airport team', role: 'writer', units: OWN_UNITS },
    });
    await walk('query', queryReader(ADMIN_KEY), queryReader(created.body.key));
  });

  it('the console: a person limited to a unit reads the same through the session', async () => {
    const admin = await consoleReader('admin', CONSOLE_ADMIN_PASSWORD);
    const client = new ConsoleClient(consoleUrl);
    expect((await client.login('admin', CONSOLE_ADMIN_PASSWORD)).status).toBe(200);
    const person = await client.request('POST', '/v1/people', {
      username: 'airport.writer',
      displayName: '航空港区招商员',
      role: 'writer',
      units: OWN_UNITS,
      password: 'a long passphrase',
    });
    expect(person.status).toBe(201);
    const checked = await walk('console', admin, await consoleReader('airport.writer', 'a long passphrase'));
    expect(checked).toContain('/v1/session');
  });
});
