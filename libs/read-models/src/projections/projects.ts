import type { ProjectState } from '@app/domain';
import { investorNameKey } from './project-facts';
import type { TableRows } from './writer';

/** `streams`: the version of each stream applied (a redelivered event at or below it is ignored). */
export const STREAMS = { table: 'streams', conflictKey: 'stream_id', columns: 'stream_id text, version integer' } as const;

/**
 * `projects`: each project's state as it stands now (the project list and page read it), upserted;
 * with its investor's credit code and normalized name, which the duplicate warning compares.
 */
export const PROJECTS = {
  table: 'projects',
  conflictKey: 'project_id',
  columns:
    'project_id uuid, version integer, stage text, unit text, channels text[], lead_at timestamptz, last_event_at timestamptz, state jsonb, ' +
    'investor_code text, investor_name text',
} as const;

export function projectRow(projectId: string, state: ProjectState, version: number): Record<string, unknown> {
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
  projects: Iterable<[string, { state: ProjectState; version: number }]>,
): TableRows[] {
  return [
    { ...STREAMS, schema, rows: [...streams].map((stream_id) => ({ stream_id, version: versions.get(stream_id) })) },
    { ...PROJECTS, schema, rows: [...projects].map(([projectId, { state, version }]) => projectRow(projectId, state, version)) },
  ];
}
