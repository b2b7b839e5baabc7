import { localDate, localMidnight } from './periods';

/**
 * How long a project has been idle (contract §8, 停滞项目): calendar days in the plan's time
 * zone from the business date of its latest event to the reference day (today, or the 截至 day
 * of a past board); a project is idle for `days` when that count is ≥ `days`. The one place
 * that compares: the stalled list, the project list's 停滞天数 and the dead-lead cut all ask here.
 */

/** Calendar days from the business date of `lastEventAt` to the day of `reference`, in the zone. */
export function idleDays(lastEventAt: string | Date, reference: Date, timeZone: string): number {
  const from = localDate(lastEventAt, timeZone);
  const to = localDate(reference, timeZone);
  return Math.round((Date.UTC(to.year, to.month - 1, to.day) - Date.UTC(from.year, from.month - 1, from.day)) / 86_400_000);
}

/**
 * The instant a latest event must come before for the project to be idle `days` or more on the
 * reference day: 00:00 of the day after (reference day − days). `lastEventAt < idleBefore(…)`
 * holds exactly when `idleDays(lastEventAt, …) >= days` — the form a SQL filter takes.
 */
export function idleBefore(days: number, reference: Date, timeZone: string): Date {
  const today = localDate(reference, timeZone);
  return localMidnight(today.year, today.month, timeZone, today.day - days + 1);
}

/** Whether a project whose latest event is at `lastEventAt` is idle `days` or more on the reference day. */
export function isIdleFor(lastEventAt: string | Date, days: number, reference: Date, timeZone: string): boolean {
  return new Date(lastEventAt).getTime() < idleBefore(days, reference, timeZone).getTime();
}
