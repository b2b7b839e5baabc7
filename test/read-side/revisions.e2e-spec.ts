import { randomUUID } from 'node:crypto';
import ExcelJS from 'exceljs';
import { call } from '../support/services';
import { startPipeline, type Pipeline } from '../support/pipeline';
import { correctCommand as correct, signCommand as sign, tick } from '../support/fixtures';

/**
 * 关账 and reported vs restated (contract §9), computed by hand: two Q1 signings are closed in,
 * then a late Q1 signing, a correction that moves one signing out of Q1 (across the quarter's
 * edge: 00:30 on 1 April in Zhengzhou) and an amount raised.
 */
const [p1, p2, p3, p4, p5, p6] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
const lead = (projectId: string, unit: string, sector = 'emerging') => ({
  type: 'RegisterLead',
  projectId,
  name: `项目 ${projectId.slice(0, 4)}`,
  investor: { name: `投资方 ${projectId.slice(0, 4)}`, originRegion: 'yrd' },
  industry: { chain: 'nev', sector },
  industrial: true,
  channels: ['industry_chain'],
  unit,
  plannedInvestmentWan: 100_000,
  occurredAt: '2025-01-10T10:00:00+08:00',
});

describe('closing a period; reported and restated (real pipeline)', () => {
  let pipeline: Pipeline;
  let beforeClose: string;
  let afterClose: string;
  let close: { period: string; closedPosition: number; position: number; eventId: string };

  const signedTotal = async (query: string, scope = 'city') => {
    const path = scope === 'city' ? `/v1/kpis?${query}` : `/v1/kpis/units?${query}`;
    const report = await pipeline.get(path);
    return report.kpis.find((k: { code: string; scope: string }) =>
      scope === 'city' ? k.code === 'signed_total_wan' : k.code === 'unit.signed_total_wan' && k.scope === scope,
    );
  };

  beforeAll(async () => {
    pipeline = await startPipeline();
    const closedIn = await pipeline.batch([
      lead(p1, 'zz-airport'),
      sign(p1, 1_000_000, '2025-03-20T10:00:00+08:00'),
      lead(p2, 'zz-erqi'),
      sign(p2, 500_000, '2025-03-30T23:00:00+08:00'),
    ]);
    await pipeline.get(`/v1/projections/status?minPosition=${closedIn}`);
    await tick();
    beforeClose = new Date().toISOString();
    await tick();
    const answer = await call(pipeline.ingestUrl, 'POST', '/v1/periods/2025-Q1/close', { body: { reason: '一季度关账' } });
    expect(answer.status).toBe(201);
    close = answer.body;
    expect((await call(pipeline.ingestUrl, 'POST', '/v1/periods/2025-03/close')).status).toBe(201);
    await tick();
    afterClose = new Date().toISOString();
    await tick();
    const last = await pipeline.batch([
      lead(p3, 'zz-erqi'),
      sign(p3, 200_000, '2025-03-15T10:00:00+08:00'),
      correct(p2, { signedAt: '2025-04-01T00:30:00+08:00' }),
      correct(p1, { signedAmountWan: 1_100_000 }),
      lead(p4, 'zz-erqi', 'other'),
      sign(p4, 50_000, '2025-02-01T10:00:00+08:00'),
      // One investor's project claimed by two units (重复统计), signed in Q3.
      { ...lead(p5, 'zz-airport'), investor: { name: '同一 集团', originRegion: 'gba' } },
      sign(p5, 80_000, '2025-07-02T10:00:00+08:00'),
      { ...lead(p6, 'zz-erqi'), investor: { name: '同一集团', originRegion: 'gba' } },
      sign(p6, 90_000, '2025-07-03T10:00:00+08:00'),
    ]);
    await pipeline.get(`/v1/projections/status?minPosition=${last}`);
  });

  afterAll(async () => {
    await pipeline.close();
  });

  it('records the close with the last committed position; a second close is 409, an unfinished period 422, a bad one 400', async () => {
    expect(close).toMatchObject({ period: '2025-Q1', closedPosition: close.position - 1 });
    const again = await call(pipeline.ingestUrl, 'POST', '/v1/periods/2025-Q1/close', {});
    expect([again.status, again.body.error.code]).toEqual([409, 'already_exists']);
    const early = await call(pipeline.ingestUrl, 'POST', '/v1/periods/2099-Q4/close', {});
    expect([early.status, early.body.error.code]).toEqual([422, 'period_not_ended']);
    const bad = await call(pipeline.ingestUrl, 'POST', '/v1/periods/2025-Q5/close', { body: { reason: '', extra: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['extra', 'period', 'reason']);
  });

  it('lists the closes, with who closed; partners and writers may not close, partners may not list', async () => {
    const listed = await pipeline.get('/v1/periods?year=2025');
    expect(listed.closes).toEqual([
      expect.objectContaining({ period: '2025-Q1', closedPosition: close.closedPosition, reason: '一季度关账', eventId: close.eventId }),
      expect.objectContaining({ period: '2025-03', closedPosition: close.position, reason: null }),
    ]);
    expect(listed.closes[0].actor.kind).toBe('team');
    for (const role of ['partner', 'writer'] as const) {
      const key = await call(pipeline.ingestUrl, 'POST', '/v1/api-keys', {
        body: { name: `${role} key`, role, ...(role === 'partner' ? { partnerId: 'fund-a' } : {}) },
      });
      const refused = await call(pipeline.ingestUrl, 'POST', '/v1/periods/2025-03/close', { key: key.body.key });
      expect(refused.status).toBe(403);
      if (role === 'partner') expect((await call(pipeline.queryUrl, 'GET', '/v1/periods', { key: key.body.key })).status).toBe(403);
    }
  });

  it('reported is the report at the close; restated is what late entries and corrections moved since', async () => {
    const q1 = await signedTotal('year=2025&quarter=1');
    // Now: p1 raised to 1,100,000, p3 late in Q1 with 200,000, p2 moved to Q2, p4 late with 50,000.
    expect(q1).toMatchObject({ actual: 1_350_000, reported: 1_500_000, restated: -150_000 });
    const erqi = await signedTotal('year=2025&quarter=1', 'zz-erqi');
    expect(erqi).toMatchObject({ actual: 250_000, reported: 500_000, restated: -250_000 });
    const airport = await signedTotal('year=2025&quarter=1', 'zz-airport');
    expect(airport).toMatchObject({ actual: 1_100_000, reported: 1_000_000, restated: 100_000 });
  });

  it('as of before the close there is nothing reported yet; just after it, actual equals reported', async () => {
    expect(await signedTotal(`year=2025&quarter=1&asOf=${encodeURIComponent(beforeClose)}`)).toMatchObject({
      actual: 1_500_000,
      reported: null,
      restated: null,
    });
    expect(await signedTotal(`year=2025&quarter=1&asOf=${encodeURIComponent(afterClose)}`)).toMatchObject({
      actual: 1_500_000,
      reported: 1_500_000,
      restated: 0,
    });
  });

  it('a period not closed has neither; the CSV shows both beside the actual', async () => {
    expect(await signedTotal('year=2025&quarter=2')).toMatchObject({ actual: 500_000, reported: null, restated: null });
    expect(await signedTotal('year=2025')).toMatchObject({ reported: null, restated: null });
    const response = await fetch(`${pipeline.queryUrl}/v1/kpis.csv?year=2025&quarter=1`, {
      headers: { authorization: 'Bearer test-admin-key-0123456789' },
    });
    const lines = (await response.text()).split('\r\n');
    expect(lines[0]).toContain('"实际值","初报值","修订值"');
    expect(lines[1]).toMatch(/^"signed_total_wan",.*,"2025-Q1",1350000,1500000,-150000,/);
  });

  it("the monthly report shows a closed month's reported and restated figures beside its own", async () => {
    const response = await fetch(`${pipeline.queryUrl}/v1/reports/monthly.xlsx?year=2025&month=3`, {
      headers: { authorization: 'Bearer test-admin-key-0123456789' },
    });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(await response.arrayBuffer()) as never);
    const city = workbook.getWorksheet('城市指标')!;
    const header = (city.getRow(1).values as unknown[]).slice(1);
    const row = (city.getRow(2).values as unknown[]).slice(1);
    expect(row[0]).toBe((await signedTotal('year=2025&toMonth=3')).label);
    expect([row[header.indexOf('本月（3月）完成')], row[header.indexOf('本月初报')], row[header.indexOf('本月修订')]]).toEqual([
      1_300_000,
      1_500_000,
      -200_000, // p4 was signed in February
    ]);
  });

  it('what moved a number since the close: each event with its delta, in order, adding up to the restatement', async () => {
    const changes = await pipeline.get('/v1/kpis/changes?year=2025&quarter=1&code=signed_total_wan');
    expect(changes).toMatchObject({ code: 'signed_total_wan', scope: 'city', period: '2025-Q1', delta: -150_000 });
    expect([changes.from.actual, changes.to.actual]).toEqual([1_500_000, 1_350_000]);
    expect(changes.contributions.map((c: Record<string, unknown>) => [c.type, c.projectId, c.delta])).toEqual([
      ['ProjectSigned', p3, 200_000],
      ['ProjectCorrected', p2, -500_000], // moved out of the quarter by 30 minutes
      ['ProjectCorrected', p1, 100_000],
      ['ProjectSigned', p4, 50_000],
    ]);
    expect(changes.contributions[0]).toMatchObject({ actor: { kind: 'team' }, occurredAt: '2025-03-15T02:00:00.000Z' });

    // A count: signings from the Yangtze River Delta (every investor here) in Q1.
    const count = await pipeline.get('/v1/kpis/changes?year=2025&quarter=1&code=region_signed_count.yrd');
    expect([count.from.actual, count.to.actual, count.delta]).toEqual([2, 3, 1]);
    expect(count.contributions.map((c: Record<string, unknown>) => [c.projectId, c.delta])).toEqual([
      [p3, 1],
      [p2, -1],
      [p4, 1],
    ]);

    // The share KPI: p4 (sector other) takes the emerging and future share from 1 to 2/3.
    const share = await pipeline.get('/v1/kpis/changes?year=2025&quarter=1&code=emerging_future_share');
    expect(share.delta).toBe(-0.3333333333);
    expect(share.contributions.map((c: Record<string, unknown>) => [c.projectId, c.delta])).toEqual([[p4, -0.3333333333]]);

    // A unit's KPI, and a window of record times given.
    const unit = await pipeline.get(
      `/v1/kpis/changes?year=2025&quarter=1&code=unit.signed_total_wan&scope=zz-erqi&from=${encodeURIComponent(beforeClose)}`,
    );
    expect(unit.contributions.map((c: Record<string, unknown>) => c.delta)).toEqual([200_000, -500_000, 50_000]);
    expect(unit.delta).toBe(-250_000);
  });

  it('changes: a period not closed needs from; partners may not ask; bad codes are named', async () => {
    const open = await call(pipeline.queryUrl, 'GET', '/v1/kpis/changes?year=2025&quarter=2&code=signed_total_wan');
    expect([open.status, open.body.error.details[0].field]).toEqual([400, 'from']);
    const wrong = await call(pipeline.queryUrl, 'GET', '/v1/kpis/changes?year=2025&quarter=1&code=unit.signed_total_wan');
    expect([wrong.status, wrong.body.error.details[0].field]).toEqual([400, 'code']);
    const partner = await call(pipeline.ingestUrl, 'POST', '/v1/api-keys', { body: { name: 'p', role: 'partner', partnerId: 'fund-b' } });
    const refused = await call(pipeline.queryUrl, 'GET', '/v1/kpis/changes?year=2025&quarter=1&code=signed_total_wan', {
      key: partner.body.key,
    });
    expect(refused.status).toBe(403);
  });

  it('quality flags: late entries after the closes, the quarter-end reversal, the duplicate claim; as of before the close, none', async () => {
    const { items, nextCursor } = await pipeline.get('/v1/quality/flags?limit=500');
    expect(nextCursor).toBeNull();
    const seen = items.map(
      (f: { rule: string; period: string; projectIds: string[] }) => `${f.rule} ${f.period} ${f.projectIds.join(',')}`,
    );
    expect(seen).toEqual([
      `late_entry_closed_period 2025-03 ${p3}`,
      `late_entry_closed_period 2025-Q1 ${p3}`,
      `late_entry_closed_period 2025-03 ${p2}`,
      `late_entry_closed_period 2025-Q1 ${p2}`,
      `quarter_end_signing_reversed 2025-Q1 ${p2}`,
      `late_entry_closed_period 2025-03 ${p1}`,
      `late_entry_closed_period 2025-Q1 ${p1}`,
      `late_entry_closed_period 2025-Q1 ${p4}`,
      `duplicate_claim 2025 ${p5},${p6}`,
    ]);
    const duplicate = items[items.length - 1];
    expect(duplicate.units).toEqual(['zz-airport', 'zz-erqi']);
    expect(duplicate.eventIds).toHaveLength(2);

    const page = await pipeline.get('/v1/quality/flags?limit=4');
    const next = await pipeline.get(`/v1/quality/flags?limit=4&cursor=${page.nextCursor}`);
    expect([...page.items, ...next.items].map((f: { id: string }) => f.id)).toEqual(items.slice(0, 8).map((f: { id: string }) => f.id));
    const ofRule = await pipeline.get('/v1/quality/flags?rule=quarter_end_signing_reversed&unit=zz-erqi&period=2025');
    expect(ofRule.items.map((f: { projectIds: string[] }) => f.projectIds)).toEqual([[p2]]);
    expect((await pipeline.get(`/v1/quality/flags?asOf=${encodeURIComponent(beforeClose)}`)).items).toEqual([]);
    const bad = await call(pipeline.queryUrl, 'GET', '/v1/quality/flags?rule=made_up&limit=0');
    expect(bad.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['limit', 'rule']);
  });

  it('the close is an event like any other: projected without a dead letter', async () => {
    const status = await pipeline.get('/v1/projections/status');
    expect(status.projections[0].lagEvents).toBe(0);
    const { rows } = await pipeline.db.pool.query('SELECT count(*)::int AS n FROM rm.dead_letters');
    expect(rows[0].n).toBe(0);
  });

  it('targets as events: the target in force at asOf, its history with who and why; removal; a unit target; bad changes named', async () => {
    const before = new Date().toISOString();
    await tick();
    const change = (body: Record<string, unknown>, key?: string) =>
      call(pipeline.ingestUrl, 'POST', '/v1/targets/changes', { body, ...(key ? { key } : {}) });
    const changed = await change({ code: 'signed_total_wan', scope: 'city', period: '2025-Q1', target: 1_400_000, reason: '按实际调整' });
    expect(changed.status).toBe(201);
    expect(changed.body).toMatchObject({ comparator: '>', target: 1_400_000 }); // the file's Q1 comparator, kept
    // A report asked for with the change's position waits for it (a cached one may be older).
    const now = await signedTotal(`year=2025&quarter=1&minPosition=${changed.body.position}`);
    expect(now).toMatchObject({ target: 1_400_000, comparator: '>', status: 'behind' });
    expect(now.targetHistory).toEqual([
      {
        target: 28_000_000,
        comparator: '>',
        actor: { kind: 'system', id: 'targets-file' },
        actorName: null,
        reason: null,
        recordedAt: null,
      },
      expect.objectContaining({
        target: 1_400_000,
        comparator: '>',
        actor: expect.objectContaining({ kind: 'team' }),
        reason: '按实际调整',
      }),
    ]);
    const then = await signedTotal(`year=2025&quarter=1&asOf=${encodeURIComponent(before)}`);
    expect([then.target, then.targetHistory.length]).toEqual([28_000_000, 1]);

    const removed = await change({ code: 'signed_total_wan', scope: 'city', period: '2025-Q1', target: null, reason: '取消季度目标' });
    expect(await signedTotal(`year=2025&quarter=1&minPosition=${removed.body.position}`)).toMatchObject({
      target: null,
      comparator: null,
      progress: null,
      status: null,
    });

    const unit = await change({ code: 'unit.mega_signed_count', scope: 'zz-erqi', period: '2025-Q1', target: 1, reason: '新增季度目标' });
    expect(unit.body.comparator).toBe('>=');
    const units = (await pipeline.get(`/v1/kpis/units?year=2025&quarter=1&minPosition=${unit.body.position}`)).kpis;
    const mega = (scope: string) =>
      units.find((k: { code: string; scope: string }) => k.code === 'unit.mega_signed_count' && k.scope === scope);
    expect([mega('zz-erqi').target, mega('zz-airport').target]).toEqual([1, null]);

    const bad = await change({
      code: 'unit.signed_total_wan',
      scope: 'zz-sci-city',
      period: '2025-Q5',
      target: -1,
      comparator: '<',
      reason: '',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual([
      'code',
      'comparator',
      'period',
      'reason',
      'scope',
      'target',
    ]);
    const writer = await call(pipeline.ingestUrl, 'POST', '/v1/api-keys', { body: { name: 'w', role: 'writer' } });
    expect(
      (await change({ code: 'signed_total_wan', scope: 'city', period: '2025', target: 1, reason: 'x' }, writer.body.key)).status,
    ).toBe(403);
  });
});
