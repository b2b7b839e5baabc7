import { elapsedShare, periodBounds, periodLabel, type Period } from './periods';

const tz = 'Asia/Shanghai';

describe('periods in the plan time zone', () => {
  it('bounds a year, a quarter and a month at local midnight (UTC+8)', () => {
    expect(periodBounds({ kind: 'year', year: 2025 }, tz)).toEqual({
      start: new Date('2024-12-31T16:00:00Z'),
      end: new Date('2025-12-31T16:00:00Z'),
    });
    expect(periodBounds({ kind: 'quarter', year: 2025, quarter: 2 }, tz)).toEqual({
      start: new Date('2025-03-31T16:00:00Z'),
      end: new Date('2025-06-30T16:00:00Z'),
    });
    expect(periodBounds({ kind: 'quarter', year: 2025, quarter: 4 }, tz).end).toEqual(new Date('2025-12-31T16:00:00Z'));
    expect(periodBounds({ kind: 'month', year: 2025, month: 12 }, tz)).toEqual({
      start: new Date('2025-11-30T16:00:00Z'),
      end: new Date('2025-12-31T16:00:00Z'),
    });
  });

  it('puts 2025-03-31T20:00:00Z and 16:30Z in Q2, and 15:59:59Z in Q1', () => {
    const within = (iso: string, period: Period) => {
      const { start, end } = periodBounds(period, tz);
      const at = Date.parse(iso);
      return at >= start.getTime() && at < end.getTime();
    };
    const q1: Period = { kind: 'quarter', year: 2025, quarter: 1 };
    const q2: Period = { kind: 'quarter', year: 2025, quarter: 2 };
    expect([within('2025-03-31T20:00:00Z', q2), within('2025-03-31T16:30:00Z', q2), within('2025-03-31T15:59:59Z', q1)]).toEqual([
      true,
      true,
      true,
    ]);
    expect([within('2025-03-31T20:00:00Z', q1), within('2025-03-31T15:59:59Z', q2)]).toEqual([false, false]);
  });

  it('handles a zone with daylight saving time', () => {
    expect(periodBounds({ kind: 'month', year: 2025, month: 4 }, 'Europe/Berlin').start).toEqual(new Date('2025-03-31T22:00:00Z'));
    expect(periodBounds({ kind: 'month', year: 2025, month: 3 }, 'Europe/Berlin').start).toEqual(new Date('2025-02-28T23:00:00Z'));
  });

  it('labels and elapsed shares', () => {
    expect(periodLabel({ kind: 'month', year: 2025, month: 3 })).toBe('2025-03');
    expect(periodLabel({ kind: 'quarter', year: 2025, quarter: 1 })).toBe('2025-Q1');
    expect(elapsedShare({ kind: 'year', year: 2025 }, tz, new Date('2024-01-01T00:00:00Z'))).toBe(0);
    expect(elapsedShare({ kind: 'year', year: 2025 }, tz, new Date('2026-06-01T00:00:00Z'))).toBe(1);
    expect(elapsedShare({ kind: 'quarter', year: 2025, quarter: 1 }, tz, new Date('2025-02-15T04:00:00Z'))).toBeCloseTo(45.5 / 90, 3);
  });
});
