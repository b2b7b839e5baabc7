import { randomUUID } from 'node:crypto';
import { createIdempotentProducer, createKafka, topicNames } from '@app/messaging';
import { createLogger } from '@app/platform';
import { VALID_CREDIT_CODES } from '../support/fixtures';
import { signedHeaders, testConnection } from '../support/kafka';
import { startPipeline, type Pipeline } from '../support/pipeline';

/**
 * One small year, computed by hand. Dates are local (+08:00): the quarter and year edges
 * sit at 23:59:59 and 00:30 local, which are other days in UTC.
 */
const ids = {
  p1: randomUUID(),
  p2: randomUUID(),
  p3: randomUUID(),
  p4: randomUUID(),
  p5: randomUUID(),
  p7: randomUUID(),
  p8: randomUUID(),
};
const lead = (projectId: string, o: Record<string, unknown>) => ({
  type: 'RegisterLead',
  projectId,
  name: `项目 ${projectId.slice(0, 4)}`,
  industrial: true,
  plannedInvestmentWan: 100_000,
  ...o,
});
const sign = (projectId: string, signedAmountWan: number, occurredAt: string) => ({
  type: 'SignProject',
  projectId,
  signedAmountWan,
  occurredAt,
});
const visit = (projectId: string, direction: string, occurredAt: string) => ({ type: 'RecordVisit', projectId, direction, occurredAt });
const fund = (projectId: string, fundCode: string, occurredAt: string) => ({
  type: 'RecordFundInvestment',
  projectId,
  fund: fundCode,
  amountWan: 5000,
  occurredAt,
});
const correct = (projectId: string, changes: Record<string, unknown>) => ({
  type: 'CorrectProject',
  projectId,
  changes,
  reason: '核对更正',
  occurredAt: '2025-07-01T10:00:00+08:00',
});
const activity = (kind: string, occurredAt: string) => ({
  type: 'RecordActivity',
  kind,
  title: `${kind} 招商活动`,
  region: 'yrd',
  unit: 'zz-zhengdong',
  occurredAt,
});

const initial = [
  lead(ids.p1, {
    investor: { name: '甲公司', creditCode: VALID_CREDIT_CODES[0], originRegion: 'gba' },
    industry: { chain: 'nev', sector: 'emerging' },
    channels: ['industry_chain', 'fund'],
    unit: 'zz-airport',
    occurredAt: '2025-01-05T10:00:00+08:00',
  }),
  visit(ids.p1, 'inbound', '2025-01-20T10:00:00+08:00'),
  visit(ids.p1, 'outbound', '2025-02-01T10:00:00+08:00'),
  fund(ids.p1, 'zz-central-city-fund', '2025-02-10T10:00:00+08:00'),
  sign(ids.p1, 1_200_000, '2025-03-31T23:59:59+08:00'),
  { type: 'StartProject', projectId: ids.p1, startedInvestmentWan: 500_000, occurredAt: '2025-06-01T10:00:00+08:00' },

  lead(ids.p2, {
    investor: { name: 'Hua Wei  Tech', originRegion: 'jjj' },
    industry: { chain: 'ai', sector: 'future' },
    channels: ['intermediary'],
    unit: 'zz-erqi',
    occurredAt: '2025-02-01T10:00:00+08:00',
  }),
  visit(ids.p2, 'inbound', '2025-03-15T10:00:00+08:00'),
  sign(ids.p2, 600_000, '2025-05-10T10:00:00+08:00'),
  fund(ids.p2, 'zz-jinshui-fund', '2025-06-01T10:00:00+08:00'),

  lead(ids.p3, {
    investor: { name: 'huawei tech', originRegion: 'yrd' },
    industry: { chain: 'semiconductor', sector: 'other' },
    channels: ['research_institute', 'park_vc'],
    unit: 'zz-sci-city',
    occurredAt: '2025-03-01T10:00:00+08:00',
  }),
  visit(ids.p3, 'inbound', '2025-04-10T10:00:00+08:00'),
  sign(ids.p3, 50_000, '2025-12-31T23:59:59+08:00'),

  lead(ids.p4, {
    investor: { name: '乙公司', creditCode: VALID_CREDIT_CODES[1], originRegion: 'gba' },
    industry: { chain: 'nev', sector: 'emerging' },
    channels: ['fund'],
    unit: 'zz-hitech',
    occurredAt: '2025-01-10T10:00:00+08:00',
  }),
  visit(ids.p4, 'inbound', '2025-01-15T10:00:00+08:00'),
  fund(ids.p4, 'zz-angel-fund', '2025-01-20T10:00:00+08:00'),
  { type: 'DropProject', projectId: ids.p4, reason: '企业放弃', occurredAt: '2025-02-01T10:00:00+08:00' },

  lead(ids.p5, {
    investor: { name: '丙公司', originRegion: 'gba' },
    industry: { chain: 'nev', sector: 'emerging' },
    channels: ['industry_chain'],
    unit: 'zz-airport',
    occurredAt: '2025-11-01T10:00:00+08:00',
  }),
  sign(ids.p5, 2_000_000, '2026-01-01T00:30:00+08:00'),

  lead(ids.p7, {
    investor: { name: '丁公司', originRegion: 'henan' },
    industry: { chain: 'modern-food', sector: 'other' },
    industrial: false,
    channels: ['other'],
    unit: 'zz-etdz',
    occurredAt: '2025-01-02T10:00:00+08:00',
  }),
  sign(ids.p7, 30_000, '2025-03-31T23:59:59+08:00'),

  activity('outbound', '2025-03-31T23:59:59+08:00'),
  activity('outbound', '2025-04-01T00:30:00+08:00'),
  activity('inbound', '2025-05-01T10:00:00+08:00'),
  activity('outbound', '2024-12-31T23:59:59+08:00'),
];

const corrections = [
  correct(ids.p1, { signedAt: '2025-04-01T00:30:00+08:00' }),
  correct(ids.p2, { signedAmountWan: 650_000 }),
  correct(ids.p2, { unit: 'zz-jinshui', channels: ['intermediary', 'university'] }),
];

type Kpi = {
  code: string;
  scope: string;
  actual: number | null;
  target: number | null;
  status: string | null;
  label: string;
  period: string;
};
const actuals = (kpis: Kpi[]) => Object.fromEntries(kpis.map((k) => [`${k.scope === 'city' ? '' : `${k.scope}:`}${k.code}`, k.actual]));

describe('KPIs of contract §3 over a hand-computed year (real pipeline)', () => {
  let pipeline: Pipeline;
  let beforeCorrections: { kpis: Kpi[] };
  let beforeCorrectionsUnits: { kpis: Kpi[] };
  let asOf: string;
  /** Position of the last write: reads ask for it (minPosition), as a client that wants its own writes would. */
  let last: number;

  beforeAll(async () => {
    pipeline = await startPipeline();
    const position = await pipeline.batch(initial);
    beforeCorrections = await pipeline.get(`/v1/kpis?year=2025&minPosition=${position}`);
    beforeCorrectionsUnits = await pipeline.get(`/v1/kpis/units?year=2025&minPosition=${position}`);
    asOf = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    await pipeline.batch(corrections);
    // A late entry: recorded after asOf, about the first quarter.
    const late = await pipeline.batch([
      lead(ids.p8, {
        investor: { name: '戊公司', originRegion: 'jjj' },
        industry: { chain: 'ai', sector: 'emerging' },
        channels: ['fund'],
        unit: 'zz-hitech',
        occurredAt: '2025-01-03T10:00:00+08:00',
      }),
      sign(ids.p8, 10, '2025-02-03T10:00:00+08:00'),
      { type: 'RecordActivity', kind: 'outbound', title: '补录', region: 'jjj', unit: 'zz-etdz', occurredAt: '2025-02-03T10:00:00+08:00' },
    ]);
    last = late;
    await pipeline.get(`/v1/kpis?year=2025&minPosition=${late}`);
  });
  afterAll(() => pipeline.close());

  it('before corrections, the year counts P1 in Q1 with its first facts', () => {
    const a = actuals(beforeCorrections.kpis);
    expect(a.signed_total_wan).toBe(1_200_000 + 600_000 + 50_000 + 30_000);
    expect(a.intermediary_signed_count).toBe(1);
    expect(a.university_signed_count).toBe(0);
  });

  it('the 2025 city report, after a correction moved P1 to Q2, changed P2 amount, unit and channels, and a late entry', async () => {
    const report = await pipeline.get('/v1/kpis?year=2025');
    expect(report.period).toBe('2025');
    expect(report.kpis.map((k: Kpi) => k.code)).toEqual([
      'signed_total_wan',
      'started_total_wan',
      'fund_signed_count',
      'fund_invested_count',
      'intermediary_signed_count',
      'university_signed_count',
      'outbound_activity_count',
      'inbound_enterprise_count',
      'region_signed_count.jjj',
      'region_signed_count.yrd',
      'region_signed_count.gba',
      'industry_chain_signed_wan',
      'research_institute_count',
      'emerging_future_share',
      'major_emerging_signed_count',
      'park_vc_signed_count',
      'park_vc_signed_wan',
      'sci_city_signed_count',
    ]);
    expect(actuals(report.kpis)).toEqual({
      signed_total_wan: 1_200_000 + 650_000 + 50_000 + 30_000 + 10, // P1 + P2 corrected + P3 + P7 + late P8; not P5 (2026-01-01 00:30 local)
      started_total_wan: 500_000,
      fund_signed_count: 2, // P1, late P8; P4 dropped
      fund_invested_count: 2, // P1 and P4 by municipal funds; P2's fund is a unit fund
      intermediary_signed_count: 1,
      university_signed_count: 1, // P2 after its channel correction
      outbound_activity_count: 3, // 2025-03-31 23:59:59, 2025-04-01 00:30, the late one; not 2024-12-31 23:59:59
      inbound_enterprise_count: 3, // 甲 (code), 'Hua Wei  Tech' = 'huawei tech', 乙 (code)
      'region_signed_count.jjj': 2, // P2, P8
      'region_signed_count.yrd': 1,
      'region_signed_count.gba': 1, // P1; P4 dropped, P5 in 2026
      industry_chain_signed_wan: 1_200_000,
      research_institute_count: 1,
      emerging_future_share: 2 / 3, // industrial ≥ 10,000: P1 emerging, P2 future, P3 other; P8 (10) below, P7 not industrial
      major_emerging_signed_count: 2,
      park_vc_signed_count: 1,
      park_vc_signed_wan: 50_000,
      sci_city_signed_count: 1,
    });
    const signed = report.kpis.find((k: Kpi) => k.code === 'signed_total_wan');
    expect(signed).toMatchObject({
      label: '新签约招商引资项目签约总额(万元)',
      scope: 'city',
      period: '2025',
      target: 84_000_000,
      comparator: '>=',
      status: 'behind',
    });
    expect(signed.progress).toBeCloseTo(1_930_010 / 84_000_000, 10);
    const share = report.kpis.find((k: Kpi) => k.code === 'emerging_future_share');
    expect(share).toMatchObject({ target: 0.7, status: 'behind' });
  });

  it('quarters and months follow the Asia/Shanghai calendar and the corrected dates', async () => {
    const q1 = actuals((await pipeline.get('/v1/kpis?year=2025&quarter=1')).kpis);
    expect(q1.signed_total_wan).toBe(30_000 + 10); // P7 at 23:59:59 local on 03-31, late P8; P1 moved out
    expect(q1.outbound_activity_count).toBe(2);
    expect(q1.inbound_enterprise_count).toBe(3);
    expect(q1.fund_invested_count).toBe(2);
    const q2 = await pipeline.get('/v1/kpis?year=2025&quarter=2');
    expect(actuals(q2.kpis).signed_total_wan).toBe(1_200_000 + 650_000);
    expect(actuals(q2.kpis).started_total_wan).toBe(500_000);
    expect(actuals(q2.kpis).inbound_enterprise_count).toBe(1);
    expect(q2.kpis.find((k: Kpi) => k.code === 'signed_total_wan')).toMatchObject({ period: '2025-Q2', target: null, status: null });
    const q1Signed = (await pipeline.get('/v1/kpis?year=2025&quarter=1')).kpis.find((k: Kpi) => k.code === 'signed_total_wan');
    expect(q1Signed).toMatchObject({ label: '一季度新签约项目签约总额(万元)', target: 28_000_000, comparator: '>', status: 'behind' });
    const april = await pipeline.get('/v1/kpis?year=2025&month=4');
    expect(april.period).toBe('2025-04');
    expect(actuals(april.kpis).signed_total_wan).toBe(1_200_000);
    expect(actuals((await pipeline.get('/v1/kpis?year=2025&quarter=4')).kpis).signed_total_wan).toBe(50_000);
    expect(actuals((await pipeline.get('/v1/kpis?year=2026')).kpis).signed_total_wan).toBe(2_000_000);
  });

  it('unit KPIs by unit kind thresholds, after P2 moved from 二七区 to 金水区', async () => {
    const report = await pipeline.get(`/v1/kpis/units?year=2025&minPosition=${last}`);
    const a = actuals(report.kpis);
    expect(a['zz-airport:unit.mega_signed_count']).toBe(1); // 1,200,000 ≥ zone 1,000,000
    expect(a['zz-airport:unit.fund_landed_count']).toBe(1);
    expect(a['zz-airport:unit.industry_chain_signed_count']).toBe(1);
    expect(a['zz-jinshui:unit.mega_signed_count']).toBe(1); // 650,000 ≥ district 500,000
    expect(a['zz-jinshui:unit.fund_landed_count']).toBe(1);
    expect(a['zz-erqi:unit.mega_signed_count']).toBe(0);
    expect(a['zz-etdz:unit.mega_signed_count']).toBe(0);
    expect(report.kpis.some((k: Kpi) => k.scope === 'zz-sci-city')).toBe(false);
    // Σ signed per unit, for the ranking: P2's 650,000 moved with it from 二七区 to 金水区.
    expect(a['zz-airport:unit.signed_total_wan']).toBe(1_200_000);
    expect(a['zz-jinshui:unit.signed_total_wan']).toBe(650_000);
    expect(a['zz-erqi:unit.signed_total_wan']).toBe(0);
    expect(report.kpis.find((k: Kpi) => k.scope === 'zz-jinshui' && k.code === 'unit.signed_total_wan')).toMatchObject({
      target: null,
      progress: null,
      status: null,
    });
    expect(report.kpis).toHaveLength(16 * 4);
    expect(report.kpis.find((k: Kpi) => k.scope === 'zz-jinshui' && k.code === 'unit.fund_landed_count')).toMatchObject({
      target: 6,
      status: 'behind',
    });
    expect(report.kpis.find((k: Kpi) => k.scope === 'zz-airport' && k.code === 'unit.mega_signed_count')).toMatchObject({
      label: '新引进100亿元以上项目数',
      target: 1,
      status: 'met',
    });
  });

  it('asOf returns the report exactly as it stood then, to the digit', async () => {
    const then = await pipeline.get(`/v1/kpis?year=2025&asOf=${encodeURIComponent(asOf)}`);
    expect(then.kpis).toEqual(beforeCorrections.kpis.map((k) => ({ ...k, status: expect.any(String) })));
    expect(then.kpis.map((k: Kpi) => k.actual)).toEqual(beforeCorrections.kpis.map((k) => k.actual));
    const units = await pipeline.get(`/v1/kpis/units?year=2025&asOf=${encodeURIComponent(asOf)}`);
    expect(units.kpis.map((k: Kpi) => [k.scope, k.code, k.actual])).toEqual(
      beforeCorrectionsUnits.kpis.map((k) => [k.scope, k.code, k.actual]),
    );
  });

  it('a duplicate delivery of an event changes nothing', async () => {
    const before = await pipeline.get('/v1/kpis?year=2025');
    const { rows } = await pipeline.db.pool.query("SELECT * FROM events WHERE stream_id = $1 AND type = 'ProjectSigned'", [
      `project-${ids.p2}`,
    ]);
    const row = rows[0];
    const envelope = {
      eventId: row.event_id,
      type: row.type,
      streamId: row.stream_id,
      version: row.version,
      position: Number(row.position),
      occurredAt: row.occurred_at.toISOString(),
      recordedAt: row.recorded_at.toISOString(),
      schemaVersion: row.schema_version,
      actor: row.actor,
      data: row.data,
    };
    // Sent again as the relay sends it (signed), as after a failure between sending and checkpointing.
    const producer = createIdempotentProducer(createKafka(testConnection('relay'), 'dup', createLogger('dup', 'silent')));
    await producer.connect();
    const value = Buffer.from(JSON.stringify(envelope));
    await producer.send({
      topic: topicNames(pipeline.prefix).events,
      messages: [{ key: envelope.streamId, value, headers: signedHeaders(value) }],
    });
    await producer.disconnect();
    const marker = await pipeline.batch([visit(ids.p2, 'outbound', '2024-06-01T10:00:00+08:00')]);
    const after = await pipeline.get(`/v1/kpis?year=2025&minPosition=${marker}`);
    expect(actuals(after.kpis)).toEqual(actuals(before.kpis));
  });

  it('the CSV carries the same numbers with a BOM and Chinese headers', async () => {
    const response = await fetch(`${pipeline.queryUrl}/v1/kpis.csv?year=2025`, {
      headers: { authorization: 'Bearer test-admin-key-0123456789' },
    });
    expect(response.headers.get('content-type')).toContain('text/csv');
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = new TextDecoder().decode(bytes.slice(3)).split('\r\n');
    expect(lines[0]).toBe('"指标代码","指标名称","范围代码","范围","期间","实际值","初报值","修订值","目标值","比较","完成进度","状态"');
    expect(lines[1]).toMatch(
      /^"signed_total_wan","新签约招商引资项目签约总额\(万元\)","city","郑州市","2025",1930010,,,84000000,">=",0\.0230,"滞后"$/,
    );
    expect(
      lines.some((l) =>
        l.startsWith(
          '"unit.mega_signed_count","新引进100亿元以上项目数","zz-airport","郑州航空港经济综合实验区","2025",1,,,1,">=",1.0000,"达标"',
        ),
      ),
    ).toBe(true);
  });

  it("without a year, the plan's year", async () => {
    const implicit = await pipeline.get(`/v1/kpis?quarter=1&minPosition=${last}`);
    expect(implicit.period).toBe('2025-Q1');
    expect(implicit.kpis).toEqual((await pipeline.get('/v1/kpis?year=2025&quarter=1')).kpis);
  });

  it('refuses bad query parameters, naming them', async () => {
    const response = await fetch(`${pipeline.queryUrl}/v1/kpis?year=20x5&quarter=5&asOf=yesterday`, {
      headers: { authorization: 'Bearer test-admin-key-0123456789' },
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { details: { field: string }[] } };
    expect(body.error.details.map((d) => d.field).sort()).toEqual(['asOf', 'quarter', 'year']);
  });
});
