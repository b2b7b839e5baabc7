import { randomUUID } from 'node:crypto';
import { freshDatabase, type TestDatabase } from '../support/database';
import { VALID_CREDIT_CODES, leadBody } from '../support/fixtures';
import { ProjectionSpec } from '../support/projection-spec';

/**
 * KPI arithmetic of contract §3 at its thresholds, computed by hand, through the projection
 * and the KPI queries on a fresh database (no HTTP, no Kafka).
 */
describe('KPI arithmetic at the thresholds (real PostgreSQL, no broker)', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await freshDatabase();
  });
  afterEach(() => db.drop());

  const Q2 = { kind: 'quarter' as const, year: 2025, quarter: 2 as const };
  const YEAR = { kind: 'year' as const, year: 2025 };
  /** A project registered in January and signed in Q2 for `amount`. */
  const signed = (amount: number, lead: Record<string, unknown> = {}, at = '2025-05-10T10:00:00+08:00') => {
    const projectId = randomUUID();
    return [
      { type: 'RegisterLead', ...leadBody({ projectId, ...lead }) },
      { type: 'SignProject', projectId, signedAmountWan: amount, occurredAt: at },
    ];
  };

  it('the emerging/future share counts industrial signings of at least 10,000 万元 only; major emerging ones from 100,000', async () => {
    const emerging = { industry: { chain: 'nev', sector: 'emerging' }, industrial: true };
    const future = { industry: { chain: 'nev', sector: 'future' }, industrial: true };
    const other = { industry: { chain: 'nev', sector: 'other' }, industrial: true };
    const spec = await ProjectionSpec.given(db, [
      ...signed(10_000, emerging), // counts: at the threshold
      ...signed(9_999, emerging), // below it: not in the share
      ...signed(50_000, other), // in the base, not emerging
      ...signed(100_000, future), // counts, and major (at 100,000)
      ...signed(99_999, future), // counts, not major
      ...signed(500_000, { ...emerging, industrial: false }), // not industrial: not in the share; major all the same
      ...signed(20_000, emerging, '2025-03-31T23:59:59+08:00'), // Q1: outside
    ]);
    const kpis = await spec.cityKpis(Q2);
    // share: emerging/future among industrial ≥ 10,000 = {10,000 e, 50,000 o, 100,000 f, 99,999 f} → 3 of 4
    expect(kpis.emerging_future_share.actual).toBe(0.75);
    expect(kpis.emerging_future_share.status).toBeNull(); // the plan sets the share for the year only
    // The year adds Q1's 20,000 emerging: 4 of 5, against the year's target of 0.70.
    expect((await spec.cityKpis(YEAR)).emerging_future_share).toMatchObject({ actual: 0.8, target: 0.7, status: 'met' });
    expect(kpis.major_emerging_signed_count.actual).toBe(2); // 100,000 f and 500,000 e
    expect(kpis.signed_total_wan.actual).toBe(10_000 + 9_999 + 50_000 + 100_000 + 99_999 + 500_000);
  });

  it('no qualifying signing: the share is null (and behind), not zero', async () => {
    const spec = await ProjectionSpec.given(db, signed(9_999, { industry: { chain: 'nev', sector: 'emerging' }, industrial: true }));
    expect((await spec.cityKpis(YEAR)).emerging_future_share).toMatchObject({ actual: null, progress: null, status: 'behind' });
  });

  it('inbound enterprises are distinct investors: by credit code, else by the name without spaces, case-folded', async () => {
    const visitIn = (projectId: string, at = '2025-04-02T10:00:00+08:00') => ({
      type: 'RecordVisit',
      projectId,
      direction: 'inbound',
      occurredAt: at,
    });
    const lead = (investor: Record<string, unknown>) => {
      const projectId = randomUUID();
      return { projectId, command: { type: 'RegisterLead', ...leadBody({ projectId, investor: { originRegion: 'gba', ...investor } }) } };
    };
    const a = lead({ name: 'Hua Wei  Tech' });
    const b = lead({ name: 'huawei tech' }); // the same investor as a
    const c = lead({ name: '甲公司', creditCode: VALID_CREDIT_CODES[0] });
    const d = lead({ name: '甲公司（另一名称）', creditCode: VALID_CREDIT_CODES[0] }); // the same credit code as c
    const e = lead({ name: 'Hua Wei Tech', creditCode: VALID_CREDIT_CODES[1] }); // a credit code: another investor than a
    const f = lead({ name: '只去了外面' }); // outbound only
    const spec = await ProjectionSpec.given(db, [
      ...[a, b, c, d, e, f].map((x) => x.command),
      ...[a, b, c, d, e].map((x) => visitIn(x.projectId)),
      visitIn(a.projectId, '2025-03-31T23:59:59+08:00'), // Q1
      { type: 'RecordVisit', projectId: f.projectId, direction: 'outbound', occurredAt: '2025-04-03T10:00:00+08:00' },
    ]);
    expect((await spec.cityKpis(Q2)).inbound_enterprise_count.actual).toBe(3); // {a,b}, {c,d}, {e}
  });

  it('fund investment counts projects with a municipal fund investment in the period, each once', async () => {
    const p1 = randomUUID();
    const p2 = randomUUID();
    const p3 = randomUUID();
    const invest = (projectId: string, fund: string, at: string) => ({
      type: 'RecordFundInvestment',
      projectId,
      fund,
      amountWan: 100,
      occurredAt: at,
    });
    const spec = await ProjectionSpec.given(db, [
      ...[p1, p2, p3].map((projectId) => ({ type: 'RegisterLead', ...leadBody({ projectId }) })),
      invest(p1, 'zz-angel-fund', '2025-04-01T00:00:00+08:00'), // municipal, first instant of Q2
      invest(p1, 'zz-industry-fund', '2025-05-01T10:00:00+08:00'), // the same project again
      invest(p2, 'zz-airport-fund', '2025-05-01T10:00:00+08:00'), // a unit fund: not counted
      invest(p3, 'zz-angel-fund', '2025-03-31T23:59:59+08:00'), // municipal, but Q1
    ]);
    expect((await spec.cityKpis(Q2)).fund_invested_count.actual).toBe(1);
    expect((await spec.cityKpis({ kind: 'quarter', year: 2025, quarter: 1 })).fund_invested_count.actual).toBe(1);
  });
});
