import { checkBusinessTime } from '../business-time';
import { accept, invalidInput, isValid, refuse, type Decision, type Parsed } from '../errors';
import { checkKnownFields, checkOneOf, checkUuid, checkReferenceCode, checkText, checkTime, type Issues } from '../field-checks';
import type { DecideContext } from '../project/project.decider';
import { ACTIVITY_KINDS, ORIGIN_REGIONS, type ActivityKind, type OriginRegion } from '../vocabulary';

export interface ActivityFacts {
  readonly kind: ActivityKind;
  readonly title: string;
  /** Origin-region code of where the activity was held or what it was aimed at. */
  readonly region: OriginRegion;
  readonly unit: string;
}

export type RecordActivity = { readonly type: 'RecordActivity'; readonly activityId: string; readonly occurredAt: string } & ActivityFacts;

export type ActivityHeld = {
  readonly type: 'ActivityHeld';
  readonly occurredAt: string;
  readonly data: { readonly activityId: string } & ActivityFacts;
};

export type ActivityState = ({ readonly activityId: string; readonly occurredAt: string } & ActivityFacts) | null;

export const activityStreamId = (activityId: string): string => `activity-${activityId}`;

export function evolveActivity(_state: ActivityState, event: ActivityHeld): ActivityState {
  return { ...event.data, occurredAt: event.occurredAt };
}

/** An activity is one event: recording it twice is a conflict. Takes a parsed command (`parseActivityCommand`). */
export function decideActivity(command: RecordActivity, state: ActivityState): Decision<ActivityHeld> {
  if (state !== null) return refuse({ kind: 'already_exists', message: `activity ${command.activityId} exists already` });
  const { activityId, kind, title, region, unit } = command;
  return accept({ type: 'ActivityHeld', occurredAt: command.occurredAt, data: { activityId, kind, title, region, unit } });
}

/** Turns a request into a RecordActivity command (title trimmed, time in UTC), or names every bad field. */
export function parseActivityCommand(raw: Record<string, unknown>, ctx: DecideContext): Parsed<RecordActivity> {
  const issues = activityFieldIssues(raw, ctx);
  if (!isValid<RecordActivity>(raw, issues)) return { ok: false, error: invalidInput(issues) };
  const checked = checkBusinessTime(raw.occurredAt, ctx.now);
  if (!checked.ok) throw new Error('unchecked time');
  return { ok: true, command: { ...raw, occurredAt: checked.instant, title: raw.title.trim() } };
}

function activityFieldIssues(c: Record<string, unknown>, ctx: DecideContext): Issues {
  const issues: Issues = [];
  checkKnownFields(issues, '', c, ['activityId', 'occurredAt', 'kind', 'title', 'region', 'unit']);
  checkUuid(issues, 'activityId', c.activityId);
  checkTime(issues, 'occurredAt', c.occurredAt, ctx.now);
  checkOneOf(issues, 'kind', c.kind, ACTIVITY_KINDS);
  checkText(issues, 'title', c.title);
  checkOneOf(issues, 'region', c.region, ORIGIN_REGIONS);
  checkReferenceCode(issues, 'unit', c.unit, ctx.ref.units, 'unit');
  return issues;
}
