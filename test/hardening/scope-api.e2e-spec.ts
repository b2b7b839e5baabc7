import { randomUUID } from 'node:crypto';
import { creditCodeCheckCharacter } from '@app/domain';
import { DATABASE_SCHEMA } from '@app/migrations';
import { openDataSource } from '@app/platform';
import { investorKey } from '@app/read-models';
import { activityCommand, leadBody, VALID_CREDIT_CODES } from '../support/fixtures';
import { startPipeline, type Pipeline } from '../support/pipeline';
import { call } from '../support/services';

/**
 * A key limited to a unit (contract §4, §6), endpoint by endpoint: it writes for its unit's
 * projects (201) and not for another's (403, nothing stored); it reads its unit's projects and
 * every aggregate; the duplicate warning (§7) answers it, matching by credit code or, when either
 * side has none, by the normalized name. Partners get 403 where §6 says so.
 */
const OWN = 'zz-airport';
const OTHER = 'zz-hitech';
const withCheck = (first17: string) => first17 + creditCodeCheckCharacter(first17)!;
/** Investors of their own (the fixtures' leads all carry VALID_CREDIT_CODES[0]): the second one's organization in another region. */
const [CODE, OTHER_CODE] = [withCheck('91410000600037341'), VALID_CREDIT_CODES[1]];

describe('a unit-limited key, endpoint by endpoint (real pipeline)', () => {
  let pipeline: Pipeline;
  let writer: string;
  let partner: string;
  const ownProject = randomUUID();
  const otherProject = randomUUID();

  const as = (key: string) => ({
    post: (path: string, body: unknown) => call(pipeline.ingestUrl, 'POST', path, { key, body }),
    get: (path: string) => call(pipeline.queryUrl, 'GET', path, { key }),
  });
  const stored = async (eventId: string | undefined) =>
    eventId === undefined ? 0 : (await pipeline.db.pool.query('SELECT 1 FROM events WHERE event_id = $1', [eventId])).rowCount;
  const streamLength = async (projectId: string) =>
    Number((await pipeline.db.pool.query('SELECT count(*) AS n FROM events WHERE stream_id = $1', [`project-${projectId}`])).rows[0].n);
  /** Waits until the read models have applied `position` (the projector may lag on a busy machine). */
  const applied = async (position: number) => {
    for (let tries = 0; ; tries++) {
      const answer = await call(pipeline.queryUrl, 'GET', `/v1/projections/status?minPosition=${position}`);
      if (answer.status === 200) return;
      if (tries === 30) throw new Error(`the read models did not reach ${position}`);
    }
  };

  beforeAll(async () => {
    pipeline = await startPipeline();
    const key = async (body: Record<string, unknown>) =>
      (await call(pipeline.ingestUrl, 'POST', '/v1/api-keys', { body })).body.key as string;
    writer = await key({ name: 'airport team', role: 'writer', units: [OWN] });
    partner = await key({ name: 'fund A', role: 'partner', partnerId: 'fund-a' });
    await applied(
      await pipeline.batch([
        { type: 'RegisterLead', ...leadBody({ projectId: ownProject, unit: OWN }) },
        { type: 'RegisterLead', ...leadBody({ projectId: otherProject, unit: OTHER }) },
      ]),
    );
  });
  afterAll(() => pipeline.close());

  it('writes into its own unit succeed (201) and into another unit are refused (403), nothing stored', async () => {
    const w = as(writer);
    const lead = (unit: string) => leadBody({ unit });
    const cases: Array<[string, (projectId: string) => [string, unknown]]> = [
      ['visit', (id) => [`/v1/projects/${id}/visits`, { direction: 'inbound', occurredAt: '2025-02-01T10:00:00+08:00' }]],
      [
        'fund investment',
        (id) => [
          `/v1/projects/${id}/fund-investments`,
          { fund: 'zz-central-city-fund', amountWan: 100, occurredAt: '2025-02-02T10:00:00+08:00' },
        ],
      ],
      ['signing', (id) => [`/v1/projects/${id}/signing`, { signedAmountWan: 50_000, occurredAt: '2025-02-03T10:00:00+08:00' }]],
      ['start', (id) => [`/v1/projects/${id}/start`, { startedInvestmentWan: 10_000, occurredAt: '2025-02-04T10:00:00+08:00' }]],
      [
        'correction',
        (id) => [
          `/v1/projects/${id}/corrections`,
          { changes: { plannedInvestmentWan: 7 }, reason: '核实', occurredAt: '2025-02-05T10:00:00+08:00' },
        ],
      ],
    ];
    for (const [what, request] of cases) {
      const mine = await w.post(...request(ownProject));
      expect([what, mine.status]).toEqual([what, 201]);
      const before = await streamLength(otherProject);
      const theirs = await w.post(...request(otherProject));
      expect([what, theirs.status, theirs.body.error.code]).toEqual([what, 403, 'forbidden']);
      expect(await streamLength(otherProject)).toBe(before);
    }
    expect((await w.post('/v1/projects', lead(OWN))).status).toBe(201);
    const refusedLead = lead(OTHER);
    expect((await w.post('/v1/projects', refusedLead)).status).toBe(403);
    expect(await streamLength(refusedLead.projectId as string)).toBe(0);
    // A correction that moves its project to another unit needs both units.
    const moved = await w.post(`/v1/projects/${ownProject}/corrections`, {
      changes: { unit: OTHER },
      reason: '调整',
      occurredAt: '2025-02-06T10:00:00+08:00',
    });
    expect(moved.status).toBe(403);

    const drop = { reason: '放弃', occurredAt: '2025-02-07T10:00:00+08:00' };
    const dropped = leadBody({ unit: OWN });
    expect((await w.post('/v1/projects', dropped)).status).toBe(201);
    expect((await w.post(`/v1/projects/${dropped.projectId}/drop`, drop)).status).toBe(201);
    expect((await w.post(`/v1/projects/${otherProject}/drop`, drop)).status).toBe(403);

    const { type: _type, ...activity } = activityCommand({ activityId: randomUUID(), unit: OWN });
    expect((await w.post('/v1/activities', activity)).status).toBe(201);
    const elsewhere = { ...activity, activityId: randomUUID(), unit: OTHER };
    expect((await w.post('/v1/activities', elsewhere)).status).toBe(403);
    expect((await pipeline.db.pool.query('SELECT 1 FROM events WHERE stream_id = $1', [`activity-${elsewhere.activityId}`])).rowCount).toBe(
      0,
    );

    const batch = await w.post('/v1/batch', {
      commands: [
        { type: 'RecordVisit', projectId: ownProject, direction: 'outbound', occurredAt: '2025-02-08T10:00:00+08:00' },
        { type: 'RecordVisit', projectId: otherProject, direction: 'outbound', occurredAt: '2025-02-08T10:00:00+08:00' },
      ],
    });
    expect(batch.status).toBe(200);
    expect(batch.body.results.map((r: { status: number }) => r.status)).toEqual([201, 403]);
    expect(await stored(batch.body.results[0].body.eventId)).toBe(1);

    // What only admins do.
    expect((await w.post('/v1/periods/2025-Q1/close', {})).status).toBe(403);
    expect(
      (await w.post('/v1/targets/changes', { code: 'signed_total_wan', scope: 'city', period: '2025', target: 1, reason: 'x' })).status,
    ).toBe(403);
    expect((await w.post('/v1/api-keys', { name: 'mine', role: 'reader' })).status).toBe(403);
  });

  it('reads: its projects, every aggregate, other units’ KPI changes merged; per-project reads of another unit 403', async () => {
    const w = as(writer);
    expect((await w.get(`/v1/projects/${ownProject}`)).status).toBe(200);
    expect((await w.get(`/v1/projects/${otherProject}`)).status).toBe(404);
    expect((await w.get(`/v1/projects/${otherProject}/history`)).status).toBe(404);
    expect((await w.get(`/v1/kpis/trend?year=2025&unit=${OTHER}`)).status).toBe(200);
    expect((await w.get(`/v1/breakdown?by=channel&year=2025&unit=${OTHER}`)).status).toBe(200);
    const from = encodeURIComponent('2000-01-01T00:00:00Z');
    const changes = await w.get(`/v1/kpis/changes?year=2025&code=unit.signed_total_wan&scope=${OTHER}&from=${from}`);
    expect(changes.status).toBe(200);
    expect(changes.body.contributions.every((c: { type: string }) => c.type === 'other_units')).toBe(true);
    expect((await w.get(`/v1/quality/flags?unit=${OTHER}`)).status).toBe(403);
    expect((await w.get(`/v1/projects/stalled?unit=${OTHER}`)).status).toBe(403);
    expect((await w.get(`/v1/quality/flags?unit=${OWN}`)).status).toBe(200);
    expect((await w.get(`/v1/projects/stalled?unit=${OWN}`)).status).toBe(200);
  });

  it('a partner: no duplicate warning, no KPI changes, the city’s aggregates only', async () => {
    const p = as(partner);
    expect((await p.get(`/v1/investor-projects?investorName=x&unit=${OWN}`)).status).toBe(403);
    expect((await p.get('/v1/kpis/changes?year=2025&quarter=1&code=signed_total_wan')).status).toBe(403);
    expect((await p.get('/v1/quality/flags')).status).toBe(403);
    expect((await p.get('/v1/kpis?year=2025')).status).toBe(200);
    const units = await p.get('/v1/kpis/units?year=2025');
    expect([units.status, units.body.kpis]).toEqual([200, []]);
    expect((await p.get(`/v1/kpis/trend?year=2025&unit=${OWN}`)).status).toBe(403);
  });

  it('the duplicate warning matches as contract §7 says, for the unit writer: 200, other units’ projects by unit code only', async () => {
    const investor = (name: string, creditCode?: string) => ({ name, originRegion: 'yrd', ...(creditCode ? { creditCode } : {}) });
    const projects = {
      coded: leadBody({ unit: OTHER, investor: investor('宇通客车股份有限公司', CODE) }),
      namedOnly: leadBody({ unit: 'zz-erqi', investor: investor('Zhong Yuan  Holdings') }),
      codedSameName: leadBody({ unit: 'zz-erqi', investor: investor('zhongyuan holdings', OTHER_CODE) }),
      dropped: leadBody({ unit: OTHER, investor: investor('ZhongYuan Holdings') }),
      own: leadBody({ unit: OWN, investor: investor('ZHONGYUAN HOLDINGS') }),
    };
    const last = await pipeline.batch([
      ...Object.values(projects).map((p) => ({ type: 'RegisterLead', ...p })),
      { type: 'DropProject', projectId: projects.dropped.projectId, reason: '放弃', occurredAt: '2025-03-01T10:00:00+08:00' },
    ]);
    await applied(last);
    const byUnit = (a: { unit: string; projectId?: unknown }, b: { unit: string; projectId?: unknown }) =>
      a.unit.localeCompare(b.unit) || String(a.projectId ?? '').localeCompare(String(b.projectId ?? ''));
    const check = async (query: Record<string, string>) => {
      const answer = await as(writer).get(`/v1/investor-projects?${new URLSearchParams({ unit: OWN, ...query })}`);
      expect(answer.status).toBe(200);
      return answer.body.projects.sort(byUnit);
    };
    // The same credit code, whatever the name.
    expect(await check({ investorName: '另一个名字', creditCode: CODE.toLowerCase() })).toEqual([{ unit: OTHER }]);
    // A lead without a code: the same normalized name, with a code on the other side or not.
    expect(await check({ investorName: ' zhong yuan HOLDINGS ' })).toEqual([{ unit: 'zz-erqi' }, { unit: 'zz-erqi' }]);
    // A lead with a code: a project without one by the name; a project with another code is another investor.
    expect(await check({ investorName: 'ZhongYuan Holdings', creditCode: CODE })).toEqual([{ unit: 'zz-erqi' }, { unit: OTHER }]);
    expect(await check({ investorName: '没有这个投资方' })).toEqual([]);
    // An admin sees the projects themselves.
    const admin = await call(
      pipeline.queryUrl,
      'GET',
      `/v1/investor-projects?${new URLSearchParams({ unit: OWN, investorName: 'zhongyuanholdings' })}`,
    );
    expect(admin.body.projects.sort(byUnit)).toEqual(
      [
        { projectId: projects.namedOnly.projectId, name: projects.namedOnly.name, unit: 'zz-erqi' },
        { projectId: projects.codedSameName.projectId, name: projects.codedSameName.name, unit: 'zz-erqi' },
      ].sort(byUnit),
    );
  });

  it('a read model made before the investor columns is filled by the migration as the projection fills them', async () => {
    const { rows: projected } = await pipeline.db.pool.query(
      `SELECT project_id, investor_code, investor_name, state->'investor' AS investor FROM rm.projects ORDER BY project_id`,
    );
    expect(projected.length).toBeGreaterThan(5);
    for (const r of projected) {
      expect(investorKey(r.investor)).toBe(r.investor_code ? `code:${r.investor_code}` : `name:${r.investor_name}`);
    }
    // As the database stood before: no columns, no indexes, the migration not recorded.
    await pipeline.db.pool.query(`ALTER TABLE rm.projects DROP COLUMN investor_code, DROP COLUMN investor_name`);
    await pipeline.db.pool.query(`DELETE FROM migrations WHERE name = 'InvestorIdentity1700000000009'`);
    const dataSource = await openDataSource({ url: pipeline.db.url, poolSize: 2 }, DATABASE_SCHEMA);
    await dataSource.destroy();
    const { rows: migrated } = await pipeline.db.pool.query(
      `SELECT project_id, investor_code, investor_name, state->'investor' AS investor FROM rm.projects ORDER BY project_id`,
    );
    expect(migrated).toEqual(projected);
    const { rows: indexes } = await pipeline.db.pool.query(
      `SELECT indexname FROM pg_indexes WHERE schemaname = 'rm' AND indexname LIKE 'projects_investor%'`,
    );
    expect(indexes.map((r) => r.indexname).sort()).toEqual(['projects_investor_code_idx', 'projects_investor_name_idx']);
  });
});
