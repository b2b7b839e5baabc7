import { randomUUID } from 'node:crypto';
import { EVENT_SCHEMA_VERSION, decide, decideActivity, evolve, parseCommand, type DecideContext, type ProjectState } from '@app/domain';
import type { NewEvent, StreamAppend } from '@app/event-store';
import type { ReferenceData } from '@app/reference-data';
import { syntheticYear, type Command } from '@app/synthetic';

/** Benchmark data: the seeded synthetic year, as commands and as the events the deciders make of them. */
export interface Dataset {
  readonly commands: Command[];
  /** Each project's (or activity's) events, in order, as one append. */
  readonly streams: StreamAppend[];
  readonly events: number;
}

const actor = { kind: 'system' as const, id: 'bench' };

export function buildDataset(reference: ReferenceData, options: { seed: number; projects: number; maxVisits?: number }): Dataset {
  const commands = syntheticYear(reference, {
    seed: options.seed,
    year: reference.plan.year,
    projects: options.projects,
    maxVisits: options.maxVisits,
    notAfter: new Date(),
  });
  const ctx: DecideContext = { ref: reference, now: new Date() };
  const states = new Map<string, ProjectState | null>();
  const streams = new Map<string, NewEvent[]>();
  let events = 0;
  for (const command of commands) {
    const isActivity = command.type === 'RecordActivity';
    const id = isActivity ? randomUUID() : (command.projectId as string);
    const streamId = isActivity ? `activity-${id}` : `project-${id}`;
    const parsed = parseCommand(isActivity ? { ...command, activityId: id } : command, ctx);
    if (!parsed.ok) continue;
    const decision =
      parsed.command.type === 'RecordActivity' ? decideActivity(parsed.command, null) : decide(parsed.command, states.get(id) ?? null);
    if (!decision.ok) continue;
    const list = streams.get(streamId) ?? [];
    for (const event of decision.events) {
      if (event.type !== 'ActivityHeld') states.set(id, evolve(states.get(id) ?? null, event));
      list.push({ type: event.type, occurredAt: event.occurredAt, data: event.data, actor, schemaVersion: EVENT_SCHEMA_VERSION });
      events++;
    }
    streams.set(streamId, list);
  }
  return { commands, streams: [...streams].map(([streamId, list]) => ({ streamId, expectedVersion: 0, events: list })), events };
}

/** Splits commands into `parts` lists so that each project's commands stay in one list, in order. */
export function partitionByProject(commands: readonly Command[], parts: number): Command[][] {
  const lists: Command[][] = Array.from({ length: parts }, () => []);
  const owner = new Map<string, number>();
  let next = 0;
  for (const command of commands) {
    const id = (command.projectId as string | undefined) ?? `activity-${next}`;
    if (!owner.has(id)) owner.set(id, next++ % parts);
    lists[owner.get(id)!].push(command);
  }
  return lists;
}
