import { idleBefore, idleDays, isIdleFor } from './idle-days';

const tz = 'Asia/Shanghai';

describe('idle days (停滞天数): calendar days in Asia/Shanghai, counted with ≥', () => {
  // The reference day: 30 June 2025 in Zhengzhou, at 09:00 local time.
  const reference = new Date('2025-06-30T09:00:00+08:00');

  it('counts calendar days between the local dates, whatever the hours', () => {
    expect(idleDays('2025-05-31T23:59:59+08:00', reference, tz)).toBe(30);
    expect(idleDays('2025-05-31T00:00:00+08:00', reference, tz)).toBe(30);
    expect(idleDays('2025-06-01T00:00:00+08:00', reference, tz)).toBe(29);
    // 16:30 UTC on 31 May is already 1 June in Zhengzhou.
    expect(idleDays('2025-05-31T16:30:00Z', reference, tz)).toBe(29);
    expect(idleDays('2025-06-30T23:00:00+08:00', reference, tz)).toBe(0);
  });

  it('a project idle exactly 30 days is idle for 30; one day less is not', () => {
    expect(isIdleFor('2025-05-31T23:59:59.999+08:00', 30, reference, tz)).toBe(true);
    expect(isIdleFor('2025-06-01T00:00:00+08:00', 30, reference, tz)).toBe(false);
    expect(idleBefore(30, reference, tz)).toEqual(new Date('2025-06-01T00:00:00+08:00'));
  });

  it('agrees with idleDays for every hour around the edge, across a month and a year boundary', () => {
    for (const ref of [reference, new Date('2026-01-01T00:30:00+08:00'), new Date('2025-03-01T23:59:00+08:00')]) {
      for (const days of [0, 1, 30, 365]) {
        const edge = idleBefore(days, ref, tz).getTime();
        for (let h = -30; h <= 30; h++) {
          const at = new Date(edge + h * 3_600_000);
          expect(isIdleFor(at, days, ref, tz)).toBe(idleDays(at, ref, tz) >= days);
        }
      }
    }
  });
});
