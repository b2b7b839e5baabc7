import { DEFAULT_QUALITY_THRESHOLDS, duplicateClaims, streamFlags, type LoggedEvent, type SignedProject } from './quality';

const TZ = 'Asia/Shanghai';
const P = '11111111-1111-4111-8111-111111111111';
let position = 0;
const at = (local: string) => new Date(`${local}+08:00`).toISOString();
const event = (type: string, occurredAt: string, data: Record<string, unknown> = {}): LoggedEvent => ({
  eventId: `e${++position}`,
  type,
  position,
  occurredAt: at(occurredAt),
  data: { projectId: P, ...data },
});
const lead = () =>
  event('LeadRegistered', '2025-01-05T10:00:00', {
    name: '项目',
    investor: { name: '投资方', originRegion: 'yrd' },
    industry: { chain: 'nev', sector: 'emerging' },
    industrial: true,
    channels: ['fund'],
    unit: 'zz-erqi',
    plannedInvestmentWan: 1000,
  });
const sign = (amount: number, local: string) => event('ProjectSigned', local, { signedAmountWan: amount });
const correct = (changes: Record<string, unknown>) => event('ProjectCorrected', '2025-05-01T10:00:00', { changes, reason: '更正' });
const rules = (events: LoggedEvent[], closes = [] as { period: string; position: number }[]) =>
  streamFlags(events, closes, DEFAULT_QUALITY_THRESHOLDS, TZ).map((f) => `${f.rule}@${f.period}`);

describe('quality rules (contract §9), each just inside and just outside its threshold', () => {
  it('amount_raised_after_signing: 120 % of the amount first signed, also by small raises', () => {
    expect(rules([lead(), sign(1000, '2025-02-01T10:00:00'), correct({ signedAmountWan: 1199 })])).toEqual([]);
    expect(rules([lead(), sign(1000, '2025-02-01T10:00:00'), correct({ signedAmountWan: 1200 })])).toEqual([
      'amount_raised_after_signing@2025',
    ]);
    // 1,100 then 1,200: each raise is under 120 % of the one before, the second reaches 120 % of the first.
    expect(
      rules([lead(), sign(1000, '2025-02-01T10:00:00'), correct({ signedAmountWan: 1100 }), correct({ signedAmountWan: 1200 })]),
    ).toEqual(['amount_raised_after_signing@2025']);
  });

  it('quarter_end_signing_reversed: a signing of 22–31 March moved out of Q1, or cut to half', () => {
    const moved = (signed: string) => rules([lead(), sign(1000, signed), correct({ signedAt: at('2025-04-02T10:00:00') })]);
    expect(moved('2025-03-21T23:59:59')).toEqual([]);
    expect(moved('2025-03-22T00:00:00')).toEqual(['quarter_end_signing_reversed@2025-Q1']);
    const cut = (amount: number) => rules([lead(), sign(1000, '2025-03-31T20:00:00'), correct({ signedAmountWan: amount })]);
    expect(cut(501)).toEqual([]);
    expect(cut(500)).toEqual(['quarter_end_signing_reversed@2025-Q1']);
    // Moved within the quarter: not a reversal.
    expect(rules([lead(), sign(1000, '2025-03-30T10:00:00'), correct({ signedAt: at('2025-03-02T10:00:00') })])).toEqual([]);
  });

  it('late_entry_closed_period: after the close position, business time in the period; corrections by the dates they touch', () => {
    const events = [lead(), sign(1000, '2025-03-31T23:59:59')];
    const closeAt = position;
    const lateVisit = event('VisitRecorded', '2025-03-10T10:00:00', { direction: 'inbound' });
    const aprilVisit = event('VisitRecorded', '2025-04-01T00:00:00', { direction: 'inbound' });
    const moveOut = correct({ signedAt: at('2025-04-03T10:00:00') });
    const flags = rules([...events, lateVisit, aprilVisit, moveOut], [{ period: '2025-Q1', position: closeAt }]);
    expect(flags).toEqual(['late_entry_closed_period@2025-Q1', 'late_entry_closed_period@2025-Q1', 'quarter_end_signing_reversed@2025-Q1']);
    // The same history with the close after it: nothing is late.
    expect(rules([...events, lateVisit, aprilVisit], [{ period: '2025-Q1', position: position + 1 }])).toEqual([]);
  });
});

describe('duplicate_claim (重复统计)', () => {
  const project = (id: string, unit: string, o: Partial<SignedProject> = {}): SignedProject => ({
    projectId: id,
    unit,
    investorKey: 'code:91410100MA00000000',
    chain: 'nev',
    signedAt: at('2025-06-01T10:00:00'),
    dropped: false,
    signedEventId: `sign-${id}`,
    signedPosition: Number(id.slice(1)),
    ...o,
  });

  it('flags one group per investor, chain and year across two or more units', () => {
    const flags = duplicateClaims([project('p2', 'zz-erqi'), project('p1', 'zz-airport'), project('p3', 'zz-airport')], TZ);
    expect(flags).toEqual([
      expect.objectContaining({
        rule: 'duplicate_claim',
        period: '2025',
        units: ['zz-airport', 'zz-erqi'],
        projectIds: ['p1', 'p2', 'p3'],
        eventIds: ['sign-p1', 'sign-p2', 'sign-p3'],
        position: 1,
      }),
    ]);
  });

  it('not within one unit, across chains, across years (in Zhengzhou), or with a dropped project', () => {
    expect(duplicateClaims([project('p1', 'zz-erqi'), project('p2', 'zz-erqi')], TZ)).toEqual([]);
    expect(duplicateClaims([project('p1', 'zz-erqi'), project('p2', 'zz-airport', { chain: 'ai' })], TZ)).toEqual([]);
    // 31 Dec 2024 20:00 UTC is 1 January 2025 in Zhengzhou: the same year as the other.
    expect(duplicateClaims([project('p1', 'zz-erqi', { signedAt: '2024-12-31T15:59:59Z' }), project('p2', 'zz-airport')], TZ)).toEqual([]);
    expect(duplicateClaims([project('p1', 'zz-erqi', { signedAt: '2024-12-31T16:00:00Z' }), project('p2', 'zz-airport')], TZ)).toHaveLength(
      1,
    );
    expect(duplicateClaims([project('p1', 'zz-erqi', { dropped: true }), project('p2', 'zz-airport')], TZ)).toEqual([]);
  });
});
