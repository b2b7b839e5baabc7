import {
  activityStreamId,
  decideActivity,
  evolveActivity,
  parseActivityCommand,
  type ActivityHeld,
  type RecordActivity,
  type ActivityState,
} from './activity/activity';
import type { Decision, Parsed } from './errors';
import {
  EMPTY_PLAN,
  PLAN_COMMAND_TYPES,
  decidePlan,
  evolvePlan,
  parsePlanCommand,
  planStreamId,
  planYearOf,
  type PlanCommand,
  type PlanContext,
  type PlanEvent,
  type PlanState,
} from './plan/plan';
import type { ProjectCommand } from './project/project.commands';
import { decide, evolve, isProjectCommandType, parseProjectCommand, type ProjectState } from './project/project.decider';
import { projectStreamId, type ProjectEvent } from './project/project.events';

/** Everything a decision may depend on besides the stream's state (a superset of each decider's needs). */
export type WriteContext = PlanContext;

/**
 * One stream type's rules: the state of a stream that does not exist yet, how raw fields become
 * a command, what a command decides against the state, and how an event changes the state.
 * The write side is generic over these records, one per stream type.
 */
export interface Decider<C extends { readonly type: string }, E extends { readonly type: string }, S> {
  readonly initialState: S;
  parse(raw: Record<string, unknown>, ctx: WriteContext): Parsed<C>;
  decide(command: C, state: S, ctx: WriteContext): Decision<E>;
  evolve(state: S, event: E): S;
  streamIdOf(command: C): string;
}

export const projectDecider: Decider<ProjectCommand, ProjectEvent, ProjectState | null> = {
  initialState: null,
  parse: parseProjectCommand,
  decide,
  evolve,
  streamIdOf: (command) => projectStreamId(command.projectId),
};

export const activityDecider: Decider<RecordActivity, ActivityHeld, ActivityState> = {
  initialState: null,
  parse: parseActivityCommand,
  decide: decideActivity,
  evolve: evolveActivity,
  streamIdOf: (command) => activityStreamId(command.activityId),
};

export const planDecider: Decider<PlanCommand, PlanEvent, PlanState> = {
  initialState: EMPTY_PLAN,
  parse: parsePlanCommand,
  decide: decidePlan,
  evolve: evolvePlan,
  streamIdOf: (command) => planStreamId(planYearOf(command)),
};

export type StreamType = 'project' | 'activity' | 'plan';

/** Any stream type's decider, for code that handles every type alike. */
export type AnyDecider = Decider<
  { readonly type: string },
  { readonly type: string; readonly occurredAt: string; readonly data: unknown },
  unknown
>;

export const DECIDERS: Readonly<Record<StreamType, AnyDecider>> = {
  project: projectDecider,
  activity: activityDecider,
  plan: planDecider,
};

/** The stream type of a stream id (`project-…`, `activity-…`, `plan-2025`). */
export function streamTypeOf(streamId: string): StreamType {
  const prefix = streamId.slice(0, streamId.indexOf('-'));
  if (prefix === 'project' || prefix === 'activity' || prefix === 'plan') return prefix;
  throw new Error(`no stream type for ${streamId}`);
}

/** The stream type a command type writes to, or null for a type no decider takes. */
export function streamTypeOfCommand(type: string): StreamType | null {
  if (isProjectCommandType(type)) return 'project';
  if (type === 'RecordActivity') return 'activity';
  if ((PLAN_COMMAND_TYPES as readonly string[]).includes(type)) return 'plan';
  return null;
}
