import { accept, invalidInput, refuse, ruleViolation, type Decision, type Parsed } from '../errors';
import type { DecideContext } from '../project/project.decider';
import { checkKnownFields, checkText, type Issues } from '../field-checks';
import { CITY_KPI_CODES, UNIT_KPI_CODES } from '../kpi-codes';
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

/** A target of the plan set, changed or removed (`target: null`), in force from its record time. */
export type TargetChanged = {
  readonly type: 'TargetChanged';
  readonly occurredAt: string;
  readonly data: {
    readonly code: string;
    /** `city` or a unit code. */
    readonly scope: string;
    readonly period: string;
    readonly target: number | null;
    readonly comparator: Comparator;
    readonly reason: string;
  };
};

export type Comparator = '>=' | '>';

export type PlanEvent = PeriodClosed | TargetChanged;

export const PLAN_EVENT_TYPES: readonly PlanEvent['type'][] = ['PeriodClosed', 'TargetChanged'];

export const planStreamId = (year: number): string => `plan-${year}`;

export interface PeriodClose {
  readonly period: string;
  readonly position: number;
  readonly closedAt: string;
  readonly reason: string | null;
}

/** The plan's stream folded: its closes by period, and the targets changed, by `scope|code|period`. */
export interface PlanState {
  readonly closes: ReadonlyMap<string, PeriodClose>;
  readonly targets: ReadonlyMap<string, { readonly target: number | null; readonly comparator: Comparator }>;
}

export const EMPTY_PLAN: PlanState = { closes: new Map(), targets: new Map() };

export const targetKey = (scope: string, code: string, period: string): string => `${scope}|${code}|${period}`;

export function evolvePlan(state: PlanState, event: PlanEvent): PlanState {
  if (event.type === 'TargetChanged') {
    const targets = new Map(state.targets);
    const { scope, code, period, target, comparator } = event.data;
    targets.set(targetKey(scope, code, period), { target, comparator });
    return { ...state, targets };
  }
  const closes = new Map(state.closes);
  closes.set(event.data.period, {
    period: event.data.period,
    position: event.data.position,
    closedAt: event.occurredAt,
    reason: event.data.reason ?? null,
  });
  return { ...state, closes };
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

export interface ChangeTarget {
  readonly code: string;
  readonly scope: string;
  readonly period: string;
  readonly target: number | null;
  readonly comparator?: Comparator;
  readonly reason: string;
}

export interface TargetContext {
  /** Unit codes by kind: only zones and districts carry unit KPIs. */
  readonly unitKinds: ReadonlyMap<string, string>;
  /** The comparator the targets file gives a code and period, if it gives one. */
  readonly fileComparator: (scope: string, code: string, period: string) => Comparator | null;
  readonly now: Date;
}

/** A target change from a request body, or every bad field named. */
export function parseTargetChange(
  body: Record<string, unknown>,
  ctx: Pick<TargetContext, 'unitKinds'>,
): { ok: true; command: ChangeTarget } | { ok: false; error: ReturnType<typeof invalidInput> } {
  const issues: Issues = [];
  checkKnownFields(issues, '', body, ['code', 'scope', 'period', 'target', 'comparator', 'reason']);
  const scope = body.scope;
  const kind = typeof scope === 'string' ? ctx.unitKinds.get(scope) : undefined;
  if (scope !== 'city' && kind !== 'zone' && kind !== 'district')
    issues.push({ field: 'scope', message: 'must be city, or the code of a zone or district' });
  const codes: readonly string[] = scope === 'city' ? CITY_KPI_CODES : UNIT_KPI_CODES;
  if (typeof body.code !== 'string' || !codes.includes(body.code) || body.code === 'unit.signed_total_wan') {
    issues.push({ field: 'code', message: scope === 'city' ? 'must be a city KPI code' : 'must be a unit KPI code with a target' });
  }
  if (typeof body.period !== 'string' || !parsePeriodLabel(body.period)) {
    issues.push({ field: 'period', message: 'must be a year (2025), a quarter (2025-Q1) or a month (2025-03)' });
  }
  const share = typeof body.code === 'string' && body.code.endsWith('_share');
  if (
    body.target !== null &&
    (typeof body.target !== 'number' || !Number.isFinite(body.target) || body.target < 0 || (share && body.target > 1))
  ) {
    issues.push({
      field: 'target',
      message: share ? 'must be a share from 0 to 1, or null to remove it' : 'must be a number ≥ 0, or null to remove it',
    });
  }
  if (body.comparator !== undefined && body.comparator !== '>=' && body.comparator !== '>')
    issues.push({ field: 'comparator', message: "must be '>=' or '>'" });
  checkText(issues, 'reason', body.reason, true, { multiline: true });
  if (issues.length > 0) return { ok: false, error: invalidInput(issues) };
  return {
    ok: true,
    command: {
      code: body.code as string,
      scope: scope as string,
      period: body.period as string,
      target: body.target as number | null,
      ...(body.comparator ? { comparator: body.comparator as Comparator } : {}),
      reason: (body.reason as string).trim(),
    },
  };
}

/** A target change is always accepted; its comparator is the one given, else the one in force, else `>=`. */
export function decideTargetChange(command: ChangeTarget, state: PlanState, ctx: TargetContext): Decision<TargetChanged> {
  const inForce =
    state.targets.get(targetKey(command.scope, command.code, command.period))?.comparator ??
    ctx.fileComparator(command.scope, command.code, command.period);
  return accept({
    type: 'TargetChanged',
    occurredAt: ctx.now.toISOString(),
    data: { ...command, comparator: command.comparator ?? inForce ?? '>=' },
  });
}

/** The plan's commands as the write side routes them: a close or a target change, each with its `type`. */
export type PlanCommand = ({ readonly type: 'ClosePeriod' } & ClosePeriod) | ({ readonly type: 'ChangeTarget' } & ChangeTarget);

export const PLAN_COMMAND_TYPES: readonly PlanCommand['type'][] = ['ClosePeriod', 'ChangeTarget'];

/** What a plan decision may depend on besides the state: the store's last committed position and the targets file. */
export interface PlanContext extends DecideContext {
  /** The store's last committed position: a close records it. */
  readonly headPosition: number;
  /** The comparator the targets file gives a scope, code and period, if it gives one. */
  readonly fileComparator: (scope: string, code: string, period: string) => Comparator | null;
}

/**
 * A plan command from a request's fields (`type`; a close's `period` label and `reason?`; a
 * target change's body), or every bad field named.
 */
export function parsePlanCommand(raw: Record<string, unknown>, ctx: DecideContext): Parsed<PlanCommand> {
  const { type, ...fields } = raw;
  if (type === 'ClosePeriod') {
    const { period, ...body } = fields;
    const parsed = parseClosePeriod(typeof period === 'string' ? period : '', body);
    return parsed.ok ? { ok: true, command: { type, ...parsed.command } } : parsed;
  }
  if (type === 'ChangeTarget') {
    const parsed = parseTargetChange(fields, { unitKinds: unitKindsOf(ctx) });
    return parsed.ok ? { ok: true, command: { type, ...parsed.command } } : parsed;
  }
  return { ok: false, error: invalidInput([{ field: 'type', message: `must be one of: ${PLAN_COMMAND_TYPES.join(', ')}` }]) };
}

export function decidePlan(command: PlanCommand, state: PlanState, ctx: PlanContext): Decision<PlanEvent> {
  switch (command.type) {
    case 'ClosePeriod':
      return decideClosePeriod(command, state, { now: ctx.now, timeZone: ctx.ref.timezone, headPosition: ctx.headPosition });
    case 'ChangeTarget':
      return decideTargetChange(command, state, targetContextOf(ctx));
  }
}

/** The year whose plan stream a command belongs to. */
export const planYearOf = (command: PlanCommand): number =>
  command.type === 'ClosePeriod' ? command.period.year : Number(command.period.slice(0, 4));

const unitKindsOf = (ctx: DecideContext): ReadonlyMap<string, string> =>
  new Map([...ctx.ref.units].map(([code, unit]) => [code, unit.kind]));

function targetContextOf(ctx: PlanContext): TargetContext {
  return {
    unitKinds: unitKindsOf(ctx),
    fileComparator: ctx.fileComparator,
    now: ctx.now,
  };
}
