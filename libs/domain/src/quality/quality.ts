import { evolve, type ProjectState } from '../project/project.decider';
import type { ProjectEvent } from '../project/project.events';
import { parsePeriodLabel } from '../plan/plan';
import { localDate, periodBounds, periodLabel, type Period } from '../periods';

/**
 * Quality flags (contract §9): entries that look like inflation or double counting, derived
 * from the log with their evidence. Pure: the read side gives the events and the closes.
 */
export type QualityRule = 'late_entry_closed_period' | 'amount_raised_after_signing' | 'quarter_end_signing_reversed' | 'duplicate_claim';

export const QUALITY_RULES: readonly QualityRule[] = [
  'late_entry_closed_period',
  'amount_raised_after_signing',
  'quarter_end_signing_reversed',
  'duplicate_claim',
];

export interface QualityThresholds {
  /** A correction to ≥ this % of the amount first signed is a raise worth a look. */
  readonly amountRaisedPct: number;
  /** The last days of a quarter whose signings are watched (Q1 with 10: 22–31 March). */
  readonly quarterEndDays: number;
  /** A cut to ≤ this % of the amount before the correction reverses a signing. */
  readonly amountCutPct: number;
}

export const DEFAULT_QUALITY_THRESHOLDS: QualityThresholds = { amountRaisedPct: 120, quarterEndDays: 10, amountCutPct: 50 };

export interface QualityFlag {
  readonly id: string;
  readonly rule: QualityRule;
  readonly period: string;
  readonly units: readonly string[];
  readonly projectIds: readonly string[];
  readonly eventIds: readonly string[];
  readonly detail: Readonly<Record<string, unknown>>;
  /** The position of the flag's first event: flags are listed in this order. */
  readonly position: number;
}

/** An event of the log as the rules read it. */
export interface LoggedEvent {
  readonly eventId: string;
  readonly type: string;
  readonly position: number;
  readonly occurredAt: string;
  readonly data: unknown;
}

/** A close of a period: the events after its position are late for it. */
export interface ClosedPeriod {
  readonly period: string;
  readonly position: number;
}

const LATE_TYPES = new Set(['ProjectSigned', 'ProjectStarted', 'FundInvestmentMade', 'VisitRecorded', 'ActivityHeld']);

const within = (instant: string | null | undefined, bounds: { start: Date; end: Date }) =>
  instant != null && Date.parse(instant) >= bounds.start.getTime() && Date.parse(instant) < bounds.end.getTime();

/**
 * The flags one stream raises (a project's events in version order, or an activity's):
 * late entries into closed periods, raises of the signed amount, quarter-end signings reversed.
 */
export function streamFlags(
  events: readonly LoggedEvent[],
  closes: readonly ClosedPeriod[],
  thresholds: QualityThresholds,
  timeZone: string,
): QualityFlag[] {
  const flags: QualityFlag[] = [];
  const closed = closes.flatMap((c) => {
    const period = parsePeriodLabel(c.period);
    return period ? [{ ...c, bounds: periodBounds(period, timeZone) }] : [];
  });
  let state: ProjectState | null = null;
  let firstSigned: number | null = null;
  for (const event of events) {
    if (event.type === 'ActivityHeld') {
      const unit = (event.data as { unit: string }).unit;
      for (const c of closed)
        if (event.position > c.position && within(event.occurredAt, c.bounds))
          flags.push(late(event, c.period, [unit], [], { type: event.type, occurredAt: event.occurredAt }));
      continue;
    }
    const before: ProjectState | null = state;
    const after: ProjectState = evolve(before, { type: event.type, occurredAt: event.occurredAt, data: event.data } as ProjectEvent);
    state = after;
    if (event.type === 'ProjectSigned') firstSigned ??= after.signedAmountWan;
    const units = [...new Set([before?.unit ?? after.unit, after.unit])];
    const projectIds = [after.projectId];

    if (LATE_TYPES.has(event.type)) {
      for (const c of closed)
        if (event.position > c.position && within(event.occurredAt, c.bounds))
          flags.push(late(event, c.period, units, projectIds, { type: event.type, occurredAt: event.occurredAt }));
    }
    if (event.type !== 'ProjectCorrected' || before === null) continue;

    for (const c of closed) {
      const dates = [before.signedAt, after.signedAt, before.startedAt, after.startedAt];
      if (event.position > c.position && dates.some((d) => within(d, c.bounds))) {
        flags.push(late(event, c.period, units, projectIds, { type: event.type, signedAt: [before.signedAt, after.signedAt] }));
      }
    }
    const changes = (event.data as { changes: { signedAmountWan?: number } }).changes;
    if (changes.signedAmountWan !== undefined && firstSigned !== null && before.signedAt) {
      if (changes.signedAmountWan * 100 >= firstSigned * thresholds.amountRaisedPct) {
        flags.push({
          id: `amount_raised_after_signing:${event.eventId}`,
          rule: 'amount_raised_after_signing',
          period: String(localDate(before.signedAt, timeZone).year),
          units,
          projectIds,
          eventIds: [event.eventId],
          detail: {
            firstSignedWan: firstSigned,
            correctedToWan: changes.signedAmountWan,
            pct: round1((changes.signedAmountWan * 100) / firstSigned),
          },
          position: event.position,
        });
      }
    }
    if (before.signedAt && before.signedAmountWan !== null) {
      const quarter = quarterOf(before.signedAt, timeZone);
      const bounds = periodBounds(quarter, timeZone);
      const watchedFrom = bounds.end.getTime() - thresholds.quarterEndDays * 86_400_000;
      if (Date.parse(before.signedAt) >= watchedFrom) {
        const movedOut = !within(after.signedAt, bounds);
        const cut = after.signedAmountWan !== null && after.signedAmountWan * 100 <= before.signedAmountWan * thresholds.amountCutPct;
        if (movedOut || cut) {
          flags.push({
            id: `quarter_end_signing_reversed:${event.eventId}`,
            rule: 'quarter_end_signing_reversed',
            period: periodLabel(quarter),
            units,
            projectIds,
            eventIds: [event.eventId],
            detail: {
              signedAt: [before.signedAt, after.signedAt],
              signedAmountWan: [before.signedAmountWan, after.signedAmountWan],
              ...(movedOut ? { movedOut: true } : {}),
              ...(cut ? { cut: true } : {}),
            },
            position: event.position,
          });
        }
      }
    }
  }
  return flags;
}

/** A project as duplicate_claim reads it: signed, with its investor's identity and chain. */
export interface SignedProject {
  readonly projectId: string;
  readonly unit: string;
  readonly investorKey: string;
  readonly chain: string;
  readonly signedAt: string;
  readonly dropped: boolean;
  /** The event that signed it and its position. */
  readonly signedEventId: string;
  readonly signedPosition: number;
}

/**
 * 重复统计: projects of two or more units, none dropped, with the same investor identity and
 * industry chain, signed in the same year (Asia/Shanghai): one flag per such group.
 */
export function duplicateClaims(projects: readonly SignedProject[], timeZone: string): QualityFlag[] {
  const groups = new Map<string, SignedProject[]>();
  for (const p of projects) {
    if (p.dropped) continue;
    const key = `${localDate(p.signedAt, timeZone).year}|${p.investorKey}|${p.chain}`;
    const group = groups.get(key);
    if (group) group.push(p);
    else groups.set(key, [p]);
  }
  const flags: QualityFlag[] = [];
  for (const [key, group] of groups) {
    const units = [...new Set(group.map((p) => p.unit))].sort();
    if (units.length < 2) continue;
    const ordered = [...group].sort((a, b) => a.signedPosition - b.signedPosition);
    const [year, investorKey, chain] = key.split('|');
    flags.push({
      id: `duplicate_claim:${key}`,
      rule: 'duplicate_claim',
      period: year,
      units,
      projectIds: ordered.map((p) => p.projectId),
      eventIds: ordered.map((p) => p.signedEventId),
      detail: { investorKey, chain },
      position: ordered[0].signedPosition,
    });
  }
  return flags;
}

function late(
  event: LoggedEvent,
  period: string,
  units: readonly string[],
  projectIds: readonly string[],
  detail: Record<string, unknown>,
): QualityFlag {
  return {
    id: `late_entry_closed_period:${period}:${event.eventId}`,
    rule: 'late_entry_closed_period',
    period,
    units,
    projectIds,
    eventIds: [event.eventId],
    detail,
    position: event.position,
  };
}

function quarterOf(instant: string, timeZone: string): Period {
  const { year, month } = localDate(instant, timeZone);
  return { kind: 'quarter', year, quarter: Math.ceil(month / 3) as 1 | 2 | 3 | 4 };
}

const round1 = (x: number) => Math.round(x * 10) / 10;
