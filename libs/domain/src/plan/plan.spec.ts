import { EMPTY_PLAN, decideClosePeriod, evolvePlan, parseClosePeriod, parsePeriodLabel } from './plan';

const ctx = (now: string) => ({ now: new Date(now), timeZone: 'Asia/Shanghai', headPosition: 41 });

describe('the plan: closing a period (关账)', () => {
  it('closes a period that has ended in Zhengzhou, at the last committed position', () => {
    const q1 = parsePeriodLabel('2025-Q1')!;
    // 1 April 00:00 in Zhengzhou is 31 March 16:00 UTC: Q1 has ended a second later.
    expect(decideClosePeriod({ period: q1 }, EMPTY_PLAN, ctx('2025-03-31T15:59:59Z'))).toMatchObject({
      ok: false,
      error: { kind: 'rule_violation', code: 'period_not_ended' },
    });
    const closed = decideClosePeriod({ period: q1, reason: '一季度关账' }, EMPTY_PLAN, ctx('2025-03-31T16:00:00Z'));
    expect(closed).toEqual({
      ok: true,
      events: [
        { type: 'PeriodClosed', occurredAt: '2025-03-31T16:00:00.000Z', data: { period: '2025-Q1', position: 41, reason: '一季度关账' } },
      ],
    });
  });

  it('closes a period once', () => {
    const state = evolvePlan(EMPTY_PLAN, {
      type: 'PeriodClosed',
      occurredAt: '2025-04-02T01:00:00Z',
      data: { period: '2025-03', position: 7 },
    });
    expect(state.closes.get('2025-03')).toEqual({ period: '2025-03', position: 7, closedAt: '2025-04-02T01:00:00Z', reason: null });
    expect(decideClosePeriod({ period: parsePeriodLabel('2025-03')! }, state, ctx('2025-05-01T00:00:00Z'))).toMatchObject({
      ok: false,
      error: { kind: 'already_exists' },
    });
    expect(decideClosePeriod({ period: parsePeriodLabel('2025-Q1')! }, state, ctx('2025-05-01T00:00:00Z')).ok).toBe(true);
  });

  it('reads period labels and names every bad field of a close', () => {
    expect(['2025', '2025-Q4', '2025-12'].map(parsePeriodLabel)).toEqual([
      { kind: 'year', year: 2025 },
      { kind: 'quarter', year: 2025, quarter: 4 },
      { kind: 'month', year: 2025, month: 12 },
    ]);
    expect(['2025-Q0', '2025-13', '25', '2025-1', '1999'].map(parsePeriodLabel)).toEqual([null, null, null, null, null]);
    const parsed = parseClosePeriod('2025-Q5', { reason: ' ', other: 1 });
    expect(parsed.ok ? [] : parsed.error.kind === 'invalid_input' ? parsed.error.details.map((d) => d.field) : []).toEqual([
      'period',
      'other',
      'reason',
    ]);
    expect(parseClosePeriod('2025', { reason: ' 年度关账 ' })).toEqual({
      ok: true,
      command: { period: { kind: 'year', year: 2025 }, reason: '年度关账' },
    });
  });
});
