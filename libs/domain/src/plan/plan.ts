import { accept, invalidInput, refuse, ruleViolation, type Decision } from '../errors';
import { checkKnownFields, checkText, type Issues } from '../field-checks';
import { periodBounds, periodLabel, type Period } from '../periods';

/**
 * The plan's own stream, `plan-<year>` (contract §9): when a period of the year was closed
 * (关账) and at which position of the store. Closing blocks nothing; it fixes what the report
 * said then (`reported`), against which later entries are measured (`restated`).
 */
export type PeriodClosed = {
  readonly type: 'PeriodClosed';
  readonly occurredAt: string;
  readonly data: {
    /** `2025`, `2025-Q1` or `2025-03`. */
    readonly period: string;
    /** The store's last committed position when the period was closed: the report counts the events up to it. */
    readonly position: number;
    readonly reason?: string;
  };
};

export type PlanEvent = PeriodClosed;

export const PLAN_EVENT_TYPES: readonly PlanEvent['type'][] = ['PeriodClosed'];

export const planStreamId = (year: number): string => `plan-${year}`;

export interface PeriodClose {
  readonly period: string;
  readonly position: number;
  readonly closedAt: string;
  readonly reason: string | null;
}

/** The plan's stream folded: its closes by period. */
export interface PlanState {
  readonly closes: ReadonlyMap<string, PeriodClose>;
}

export const EMPTY_PLAN: PlanState = { closes: new Map() };

export function evolvePlan(state: PlanState, event: PlanEvent): PlanState {
  const closes = new Map(state.closes);
  closes.set(event.data.period, {
    period: event.data.period,
    position: event.data.position,
    closedAt: event.occurredAt,
    reason: event.data.reason ?? null,
  });
  return { closes };
}

/** `2025`, `2025-Q1`, `2025-03` as a period; null for anything else. */
export function parsePeriodLabel(label: string): Period | null {
  const match = /^(\d{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?$/.exec(label);
  if (!match) return null;
  const year = Number(match[1]);
  if (year < 2000 || year > 2100) return null;
  if (match[2]) return { kind: 'quarter', year, quarter: Number(match[2]) as 1 | 2 | 3 | 4 };
  if (match[3]) return { kind: 'month', year, month: Number(match[3]) };
  return { kind: 'year', year };
}

export interface ClosePeriod {
  readonly period: Period;
  readonly reason?: string;
}

/** A close request (the period from the path, the body `{reason?}`), or every bad field named. */
export function parseClosePeriod(
  label: string,
  body: Record<string, unknown>,
): { ok: true; command: ClosePeriod } | { ok: false; error: ReturnType<typeof invalidInput> } {
  const issues: Issues = [];
  const period = parsePeriodLabel(label);
  if (!period) issues.push({ field: 'period', message: 'must be a year (2025), a quarter (2025-Q1) or a month (2025-03)' });
  checkKnownFields(issues, '', body, ['reason']);
  if (body.reason !== undefined) checkText(issues, 'reason', body.reason, true, { multiline: true });
  if (issues.length > 0 || !period) return { ok: false, error: invalidInput(issues) };
  const reason = typeof body.reason === 'string' ? body.reason.trim() : undefined;
  return { ok: true, command: { period, ...(reason ? { reason } : {}) } };
}

/**
 * 关账: a period is closed once, and only after its end (Asia/Shanghai); the close records the
 * store's last committed position.
 */
export function decideClosePeriod(
  command: ClosePeriod,
  state: PlanState,
  ctx: { now: Date; timeZone: string; headPosition: number },
): Decision<PeriodClosed> {
  const label = periodLabel(command.period);
  const closed = state.closes.get(label);
  if (closed) return refuse({ kind: 'already_exists', message: `period ${label} was closed at ${closed.closedAt}` });
  const { end } = periodBounds(command.period, ctx.timeZone);
  if (end.getTime() > ctx.now.getTime()) {
    return refuse(ruleViolation('period_not_ended', `period ${label} ends at ${end.toISOString()}: it cannot be closed before`));
  }
  return accept({
    type: 'PeriodClosed',
    occurredAt: ctx.now.toISOString(),
    data: { period: label, position: ctx.headPosition, ...(command.reason ? { reason: command.reason } : {}) },
  });
}
