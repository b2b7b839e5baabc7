import { randomUUID } from 'node:crypto';
import ExcelJS from 'exceljs';
import { CHANNEL_NAMES } from '@app/domain';
import { ADMIN_KEY, call } from '../support/services';
import { startPipeline, type Pipeline } from '../support/pipeline';

/**
 * The read endpoints the cockpit and the monthly report stand on, on a small year computed by
 * hand (dates local, +08:00): the trend, breakdowns as recorded then and per unit, the year to
 * a month's end, stalled projects, long polling, and the workbook read back.
 */
const [a, b, c, d] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
const lead = (projectId: string, unit: string, channel: string, originRegion: string, occurredAt: string) => ({
  type: 'RegisterLead',
  projectId,
  name: `项目 ${projectId.slice(0, 4)}`,
  investor: { name: `投资方 ${projectId.slice(0, 4)}`, originRegion },
  industry: { chain: 'nev', sector: 'emerging' },
  industrial: true,
  channels: [channel],
  unit,
  plannedInvestmentWan: 100_000,
  occurredAt,
});
const sign = (projectId: string, signedAmountWan: number, occurredAt: string) => ({
  type: 'SignProject',
  projectId,
  signedAmountWan,
  occurredAt,
});

describe('cockpit reads and the monthly report (real pipeline)', () => {
  let pipeline: Pipeline;
  let recordedBefore: string;

  beforeAll(async () => {
    pipeline = await startPipeline();
    const position = await pipeline.batch([
      lead(a, 'zz-airport', 'industry_chain', 'gba', '2025-01-05T10:00:00+08:00'),
      sign(a, 1_000_000, '2025-03-31T23:59:59+08:00'),
      { type: 'StartProject', projectId: a, startedInvestmentWan: 400_000, occurredAt: '2025-06-01T10:00:00+08:00' },
      lead(b, 'zz-erqi', 'intermediary', 'jjj', '2025-02-01T10:00:00+08:00'),
      sign(b, 300_000, '2025-04-01T00:30:00+08:00'),
      lead(c, 'zz-erqi', 'fund', 'yrd', '2025-03-01T10:00:00+08:00'),
      sign(c, 50_000, '2025-07-10T10:00:00+08:00'),
      lead(d, 'zz-airport', 'fund', 'yrd', '2025-02-01T09:00:00+08:00'),
    ]);
    await pipeline.get(`/v1/projections/status?minPosition=${position}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    recordedBefore = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const last = await pipeline.batch([
      {
        type: 'CorrectProject',
        projectId: b,
        changes: { signedAmountWan: 350_000 },
        reason: '核对',
        occurredAt: '2025-08-01T10:00:00+08:00',
      },
      sign(d, 20_000, '2025-05-05T10:00:00+08:00'),
    ]);
    await pipeline.get(`/v1/projections/status?minPosition=${last}`);
  });

  afterAll(async () => {
    await pipeline.close();
  });

  it('the trend: signed and started per month and cumulated, now and as recorded before the last entries', async () => {
    const now = await pipeline.get('/v1/kpis/trend?year=2025');
    expect(now.targets).toEqual({ signedWan: 84_000_000, startedWan: 61_000_000 });
    expect(now.months).toHaveLength(12);
    const signed = now.months.map((m: { signedWan: number }) => m.signedWan);
    expect(signed).toEqual([0, 0, 1_000_000, 350_000, 20_000, 0, 50_000, 0, 0, 0, 0, 0]);
    expect(now.months[5]).toEqual({
      month: '2025-06',
      signedWan: 0,
      startedWan: 400_000,
      signedCumulativeWan: 1_370_000,
      startedCumulativeWan: 400_000,
    });
    expect(now.months[11].signedCumulativeWan).toBe(1_420_000);

    const then = await pipeline.get(`/v1/kpis/trend?year=2025&asOf=${encodeURIComponent(recordedBefore)}`);
    expect(then.months.map((m: { signedWan: number }) => m.signedWan)).toEqual([0, 0, 1_000_000, 300_000, 0, 0, 50_000, 0, 0, 0, 0, 0]);

    const unit = await pipeline.get('/v1/kpis/trend?year=2025&unit=zz-erqi');
    expect(unit.scope).toBe('zz-erqi');
    expect(unit.targets).toEqual({ signedWan: null, startedWan: null });
    expect(unit.months[11].signedCumulativeWan).toBe(400_000);
  });

  it('breakdowns of one unit, as recorded then, and of the year to a month', async () => {
    const then = await pipeline.get(`/v1/breakdown?by=channel&year=2025&unit=zz-erqi&asOf=${encodeURIComponent(recordedBefore)}`);
    expect(then.rows.map((r: { key: string; signed: unknown }) => [r.key, r.signed])).toEqual([
      ['fund', { count: 1, amountWan: 50_000 }],
      ['intermediary', { count: 1, amountWan: 300_000 }],
    ]);
    const toApril = await pipeline.get('/v1/breakdown?by=region&year=2025&toMonth=4');
    expect(toApril.rows.map((r: { key: string; signed: unknown }) => [r.key, r.signed])).toEqual([
      ['gba', { count: 1, amountWan: 1_000_000 }],
      ['jjj', { count: 1, amountWan: 350_000 }],
      ['yrd', { count: 0, amountWan: 0 }],
    ]);
  });

  it("the year to a month's end: counted to its end, judged by the share of the year elapsed then", async () => {
    const report = await pipeline.get('/v1/kpis?year=2025&toMonth=4');
    const signed = report.kpis.find((k: { code: string }) => k.code === 'signed_total_wan');
    expect(report.period).toBe('2025-01/04');
    expect(signed).toMatchObject({ period: '2025-01/04', actual: 1_350_000, target: 84_000_000, status: 'behind' });
    expect(signed.progress).toBeCloseTo(1_350_000 / 84_000_000, 12);
    const units = await pipeline.get('/v1/kpis/units?year=2025&toMonth=4');
    const total = (unit: string) =>
      units.kpis.find((k: { code: string; scope: string }) => k.scope === unit && k.code === 'unit.signed_total_wan').actual;
    expect([total('zz-airport'), total('zz-erqi')]).toEqual([1_000_000, 350_000]);

    const bad = await call(pipeline.queryUrl, 'GET', '/v1/kpis?year=2025&quarter=2&toMonth=4');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((e: { field: string }) => e.field)).toEqual(['toMonth']);
  });

  it('stalled projects: lead, negotiating or signed idle 30 calendar days or more, dead leads left out, the highest amounts first', async () => {
    // b's correction (business time 1 August) is its latest event; amounts: b 350,000, c 50,000, d 20,000 (signed).
    const stalled = await pipeline.get('/v1/projects/stalled?days=30');
    expect([stalled.days, stalled.deadLeadDays, stalled.count]).toEqual([30, 365, 3]);
    expect(stalled.items.map((p: { projectId: string }) => p.projectId)).toEqual([b, c, d]);
    expect(stalled.items[2]).toMatchObject({
      unit: 'zz-airport',
      stage: 'signed',
      amountWan: 20_000,
      lastEventAt: '2025-05-05T02:00:00.000Z',
      idleDays: calendarDaysSince('2025-05-05'),
    });
    const ofUnit = await pipeline.get('/v1/projects/stalled?days=30&unit=zz-airport&limit=1');
    expect([ofUnit.count, ofUnit.items.map((p: { projectId: string }) => p.projectId)]).toEqual([1, [d]]);
    const unknown = await call(pipeline.queryUrl, 'GET', '/v1/projects/stalled?unit=nowhere');
    expect([unknown.status, unknown.body.error.details[0].field]).toEqual([400, 'unit']);

    // As recorded before the last entries, that day being "today": d was then a lead idle over a year (lost, not
    // stalled), b signed at 300,000.
    const then = await pipeline.get(`/v1/projects/stalled?days=30&asOf=${encodeURIComponent(recordedBefore)}`);
    expect([then.count, then.asOf]).toEqual([2, recordedBefore]);
    expect(then.items.map((p: { projectId: string; amountWan: number }) => [p.projectId, p.amountWan])).toEqual([
      [b, 300_000],
      [c, 50_000],
    ]);
    const bad = await call(pipeline.queryUrl, 'GET', '/v1/projects/stalled?asOf=yesterday');
    expect([bad.status, bad.body.error.details[0].field]).toEqual([400, 'asOf']);
  });

  it('the day rule: calendar days in Asia/Shanghai counted with ≥, the same for the stalled list and the project filter', async () => {
    // Leads of the zz-gongyi unit (no other project there): idle exactly 30 days (late on that day), 29 days (just
    // after midnight), 364 days (still stalled) and 365 days (lost). Dates are days before today in Zhengzhou.
    const [exact, fresh, old, dead] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await pipeline
      .batch([
        lead(exact, 'zz-gongyi', 'fund', 'yrd', `${shanghaiDaysAgo(30)}T23:59:00+08:00`),
        lead(fresh, 'zz-gongyi', 'fund', 'yrd', `${shanghaiDaysAgo(29)}T00:00:00+08:00`),
        lead(old, 'zz-gongyi', 'fund', 'yrd', `${shanghaiDaysAgo(364)}T12:00:00+08:00`),
        lead(dead, 'zz-gongyi', 'fund', 'yrd', `${shanghaiDaysAgo(365)}T12:00:00+08:00`),
      ])
      .then((position) => pipeline.get(`/v1/projections/status?minPosition=${position}`));
    const listed = await pipeline.get('/v1/projects/stalled?days=30&unit=zz-gongyi');
    expect(listed.items.map((p: { projectId: string; idleDays: number }) => [p.projectId, p.idleDays]).sort()).toEqual(
      [
        [exact, 30],
        [old, 364],
      ].sort(),
    );
    const filtered = await pipeline.get('/v1/projects?unit=zz-gongyi&stalledDays=30');
    expect(filtered.items.map((p: { projectId: string }) => p.projectId).sort()).toEqual([exact, old, dead].sort());
    const thirtyOne = await pipeline.get('/v1/projects?unit=zz-gongyi&stalledDays=31');
    expect(thirtyOne.items.map((p: { projectId: string }) => p.projectId).sort()).toEqual([old, dead].sort());
  });

  it('long polling answers as soon as the read models pass the position given, else after the wait', async () => {
    const { position } = await pipeline.get('/v1/projections/position?after=0&waitMs=0');
    const idle = Date.now();
    expect((await pipeline.get(`/v1/projections/position?after=${position}&waitMs=300`)).position).toBe(position);
    expect(Date.now() - idle).toBeGreaterThanOrEqual(250);

    const waiting = pipeline.get(`/v1/projections/position?after=${position}&waitMs=20000`);
    const written = await pipeline.batch([lead(randomUUID(), 'zz-erqi', 'fund', 'yrd', '2025-09-01T10:00:00+08:00')]);
    expect((await waiting).position).toBeGreaterThanOrEqual(written);
  });

  it('the monthly workbook equals the JSON answers for the same figures, with numbers as numbers and shares as percentages', async () => {
    const response = await fetch(`${pipeline.queryUrl}/v1/reports/monthly.xlsx?year=2025&month=4`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toContain(encodeURIComponent('招商引资月报-2025-04.xlsx'));
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(await response.arrayBuffer()) as never);
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['说明', '城市指标', '单位排名', '渠道分布', '区域分布']);

    const ytd = (await pipeline.get('/v1/kpis?year=2025&toMonth=4')).kpis;
    const month = (await pipeline.get('/v1/kpis?year=2025&month=4')).kpis;
    const city = workbook.getWorksheet('城市指标')!;
    expect(city.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    // April is not closed, nor its quarter or year: no 初报 / 修订 columns.
    expect(rowValues(city, 1)).toEqual(['指标', '年累计完成', '年度目标', '完成率', '序时进度', '状态', '本月（4月）完成']);
    expect(city.rowCount).toBe(1 + ytd.length);
    const statusWord = { met: '达标', on_track: '序时推进', behind: '滞后' } as Record<string, string>;
    ytd.forEach((kpi: Record<string, any>, i: number) => {
      const row = city.getRow(i + 2);
      expect(rowValues(city, i + 2)).toEqual([
        kpi.label,
        kpi.actual,
        kpi.target ?? '—',
        kpi.progress ?? '—',
        expect.any(Number),
        kpi.status === null ? '无目标' : statusWord[kpi.status],
        month.find((m: { code: string }) => m.code === kpi.code).actual,
      ]);
      const share = kpi.code === 'emerging_future_share';
      if (kpi.progress !== null) expect(row.getCell(4).numFmt).toBe('0.0%');
      if (kpi.actual !== null) expect(row.getCell(2).numFmt).toBe(share ? '0.0%' : '#,##0');
      if (kpi.target !== null) expect(row.getCell(3).numFmt).toBe(`"${kpi.comparator === '>' ? '>' : '≥'} "${share ? '0.0%' : '#,##0'}`);
      if (kpi.actual !== null) expect(row.getCell(2).type).toBe(ExcelJS.ValueType.Number);
    });
    expect(city.getRow(2).getCell(5).value).toBeCloseTo(120 / 365, 12);

    // 单位排名: the rule of contract §8 computed here from /v1/kpis/units.
    const units = (await pipeline.get('/v1/kpis/units?year=2025&toMonth=4')).kpis as Array<Record<string, any>>;
    const scopes = [...new Set(units.map((u) => u.scope))];
    const expected = scopes
      .map((scope) => {
        const of = units.filter((u) => u.scope === scope);
        return {
          scope,
          met: of.filter((u) => u.status === 'met').length,
          total: of.find((u) => u.code === 'unit.signed_total_wan')!.actual as number,
        };
      })
      .sort((x, y) => y.met - x.met || y.total - x.total || x.scope.localeCompare(y.scope));
    const ranking = workbook.getWorksheet('单位排名')!;
    expected.forEach((unit, i) => {
      const values = rowValues(ranking, i + 2);
      expect([values[0], values[3], values[5]]).toEqual([i + 1, unit.met, unit.total]);
    });
    expect(rowValues(ranking, 2)[1]).toBe('郑州航空港经济综合实验区');

    const channel = (await pipeline.get('/v1/breakdown?by=channel&year=2025&toMonth=4')).rows;
    const channels = workbook.getWorksheet('渠道分布')!;
    channel.forEach((r: Record<string, any>, i: number) => {
      expect(rowValues(channels, i + 2)).toEqual([
        CHANNEL_NAMES[r.key as keyof typeof CHANNEL_NAMES],
        r.lead.count,
        r.lead.plannedWan,
        r.signed.count,
        r.signed.amountWan,
        r.started.count,
        r.started.amountWan,
      ]);
    });
    expect(rowValues(channels, 2)[0]).toBe('基金招商');
  });

  it('the monthly report names a missing month', async () => {
    const answer = await call(pipeline.queryUrl, 'GET', '/v1/reports/monthly.xlsx?year=2025');
    expect([answer.status, answer.body.error.details[0].field]).toEqual([400, 'month']);
  });
});

/** The calendar date in Zhengzhou `days` days before today, YYYY-MM-DD. */
function shanghaiDaysAgo(days: number): string {
  return new Date(Date.now() + 8 * 3_600_000 - days * 86_400_000).toISOString().slice(0, 10);
}

/** Calendar days from a date (YYYY-MM-DD) to today in Zhengzhou. */
function calendarDaysSince(date: string): number {
  return Math.round((Date.parse(shanghaiDaysAgo(0)) - Date.parse(date)) / 86_400_000);
}

/** A row's cell values from column 1 (exceljs rows are 1-based with a hole at 0). */
function rowValues(sheet: ExcelJS.Worksheet, row: number): unknown[] {
  const values = sheet.getRow(row).values as unknown[];
  const cells = values.slice(1);
  while (cells.length < sheet.columnCount) cells.push(null);
  return cells.map((v) => (v === undefined ? null : v));
}
