/**
 * Business time (`occurredAt`, `signedAt`, `startedAt`): ISO-8601 with an explicit offset,
 * no more than 24 h ahead of the server clock. Stored and compared as instants.
 */
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export const MAX_CLOCK_AHEAD_MS = 24 * 60 * 60 * 1000;
const EARLIEST = Date.parse('2000-01-01T00:00:00Z');

export type BusinessTimeCheck = { ok: true; instant: string } | { ok: false; message: string };

/** Validates a business time and returns it as a UTC ISO string (the stored form). */
export function checkBusinessTime(value: unknown, now: Date): BusinessTimeCheck {
  if (typeof value !== 'string' || !ISO_WITH_OFFSET.test(value)) {
    return { ok: false, message: 'must be an ISO-8601 date-time with an offset, e.g. 2025-03-31T20:00:00+08:00' };
  }
  const millis = Date.parse(value);
  if (Number.isNaN(millis) || !sameCalendarFields(value, millis)) {
    return { ok: false, message: 'is not a real date-time' };
  }
  if (millis > now.getTime() + MAX_CLOCK_AHEAD_MS) {
    return { ok: false, message: 'is more than 24 h ahead of the server clock' };
  }
  if (millis < EARLIEST) return { ok: false, message: 'is before 2000-01-01' };
  return { ok: true, instant: new Date(millis).toISOString() };
}

/** Date.parse rolls 2025-02-30 over to March; refuse dates whose fields do not survive the round trip. */
function sameCalendarFields(value: string, millis: number): boolean {
  const offset = value.endsWith('Z') ? 0 : offsetMinutes(value.slice(-6));
  const local = new Date(millis + offset * 60_000).toISOString();
  return local.slice(0, 16) === value.slice(0, 16);
}

function offsetMinutes(offset: string): number {
  const sign = offset.startsWith('-') ? -1 : 1;
  return sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
}
