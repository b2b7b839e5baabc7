/**
 * Reporting periods (contract §1): a year, a quarter or a month of the business time in the
 * plan's time zone. The one place where instants become periods and periods become instants.
 */
export type Period =
  | { readonly kind: 'year'; readonly year: number }
  | { readonly kind: 'quarter'; readonly year: number; readonly quarter: 1 | 2 | 3 | 4 }
  | { readonly kind: 'month'; readonly year: number; readonly month: number };

/** `2025`, `2025-Q1`, `2025-03`. */
export function periodLabel(period: Period): string {
  if (period.kind === 'year') return String(period.year);
  if (period.kind === 'quarter') return `${period.year}-Q${period.quarter}`;
  return `${period.year}-${String(period.month).padStart(2, '0')}`;
}

/**
 * The year to a month's end (1–N月累计, the read API's `toMonth`), as results label it:
 * `2025-01/06`. It is counted within the year (the year's targets), cut at the month's end.
 */
export function yearToDateLabel(year: number, toMonth: number): string {
  return `${year}-01/${String(toMonth).padStart(2, '0')}`;
}

/** The period's first instant and the first instant after it, in UTC. */
export function periodBounds(period: Period, timeZone: string): { start: Date; end: Date } {
  const [firstMonth, months] =
    period.kind === 'year' ? [1, 12] : period.kind === 'quarter' ? [(period.quarter - 1) * 3 + 1, 3] : [period.month, 1];
  const endMonth = firstMonth + months;
  return {
    start: localMidnight(period.year, firstMonth, timeZone),
    end: endMonth > 12 ? localMidnight(period.year + 1, endMonth - 12, timeZone) : localMidnight(period.year, endMonth, timeZone),
  };
}

/** The share (0..1) of the period that has passed at `at`. */
export function elapsedShare(period: Period, timeZone: string, at: Date): number {
  const { start, end } = periodBounds(period, timeZone);
  const share = (at.getTime() - start.getTime()) / (end.getTime() - start.getTime());
  return Math.min(1, Math.max(0, share));
}

/** The calendar date of an instant in the zone. */
export function localDate(instant: string | Date, timeZone: string): { year: number; month: number; day: number } {
  const parts = zoneFormatter(timeZone).formatToParts(typeof instant === 'string' ? new Date(instant) : instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return { year: get('year'), month: get('month'), day: get('day') };
}

/** UTC instant of 00:00 on a calendar day in the zone (twice corrected, for zones with DST); days beyond the month roll over. */
export function localMidnight(year: number, month: number, timeZone: string, day = 1): Date {
  const naive = Date.UTC(year, month - 1, day);
  let instant = naive - offsetMs(new Date(naive), timeZone);
  instant = naive - offsetMs(new Date(instant), timeZone);
  return new Date(instant);
}

/** One formatter per zone: building an Intl.DateTimeFormat costs far more than using one. */
const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

function zoneFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = zoneFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    zoneFormatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The zone's offset from UTC at an instant, in ms. */
function offsetMs(instant: Date, timeZone: string): number {
  const parts = zoneFormatter(timeZone).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}
