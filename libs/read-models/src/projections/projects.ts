import type { ProjectState } from '@app/domain';
import { investorNameKey } from './project-facts';
import type { Actor } from '@app/event-store';
import type { TableRows } from './writer';

/** `streams`: the version of each stream applied (a redelivered event at or below it is ignored). */
export const STREAMS = { table: 'streams', conflictKey: 'stream_id', columns: 'stream_id text, version integer' } as const;

/**
 * `projects`: each project's state as it stands now (the project list and page read it), upserted;
 * with its investor's credit code and normalized name, which the duplicate warning compares,
 * and who registered it (the actor of its LeadRegistered), which a partner's scope reads.
 */
export const PROJECTS = {
  table: 'projects',
  conflictKey: 'project_id',
  columns:
    'project_id uuid, version integer, stage text, unit text, channels text[], lead_at timestamptz, last_event_at timestamptz, state jsonb, ' +
    'investor_code text, investor_name text, registered_by jsonb',
} as const;

/** A project's folded state, its stream version and who registered it. */
export interface ProjectRecord {
  readonly state: ProjectState;
  readonly version: number;
  readonly registeredBy: Actor;
}

export function projectRow(projectId: string, { state, version, registeredBy }: ProjectRecord): Record<string, unknown> {
  return {
    project_id: projectId,
    version,
    stage: state.stage,
    unit: state.unit,
    channels: state.channels,
    lead_at: state.leadAt,
    last_event_at: state.lastEventAt,
    state,
    ...investorColumns(state.investor),
    registered_by: registeredBy,
  };
}

/** The investor's identity as rm.projects keeps it: the credit code (upper-case, null without one) and the normalized name. */
export function investorColumns(investor: { name: string; creditCode?: string }): { investor_code: string | null; investor_name: string } {
  return { investor_code: investor.creditCode ? investor.creditCode.toUpperCase() : null, investor_name: investorNameKey(investor.name) };
}

/** The streams' and projects' rows as they stand after a chunk. */
export function currentRows(
  schema: string,
  versions: ReadonlyMap<string, number>,
  streams: Iterable<string>,
  projects: Iterable<[string, ProjectRecord]>,
): TableRows[] {
  return [
    { ...STREAMS, schema, rows: [...streams].map((stream_id) => ({ stream_id, version: versions.get(stream_id) })) },
    { ...PROJECTS, schema, rows: [...projects].map(([projectId, record]) => projectRow(projectId, record)) },
  ];
}
