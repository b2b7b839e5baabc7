import type { Pool, PoolClient } from 'pg';
import {
  EVENT_TYPES,
  evolve,
  isProjectEventType,
  isRecord,
  type DomainEvent,
  type ProjectEvent,
  type ProjectState,
  type ReferenceCatalog,
} from '@app/domain';
import type { Actor, EventEnvelope } from '@app/event-store';
import { activitiesProjection } from './projections/activities';
import { fundInvestmentsProjection } from './projections/fund-investments';
import { periodClosesProjection, targetChangesProjection } from './projections/plan';
import { chainFacts, closeFacts, projectFactsProjection } from './projections/project-facts';
import type { RowProjection } from './projections/projection';
import { currentRows, PROJECTS, projectRow, STREAMS, type ProjectRecord } from './projections/projects';
import { visitsProjection } from './projections/visits';
import { qualified, writeAll, type TableRows } from './projections/writer';

/**
 * The append-only read models, one projection each; `projects` and `streams` hold the folded
 * state as it stands (projections/projects.ts), and `dead_letters` what could not be applied.
 */
export const ROW_PROJECTIONS: readonly RowProjection[] = [
  projectFactsProjection,
  visitsProjection,
  fundInvestmentsProjection,
  activitiesProjection,
  periodClosesProjection,
  targetChangesProjection,
];

/** An event that could not be applied, with the reason; the projector sends it to the DLQ. */
export interface FailedEvent {
  readonly envelope: unknown;
  readonly reason: string;
}

export interface ApplyResult {
  readonly applied: number;
  /** Already applied before (a redelivery): ignored. */
  readonly duplicates: number;
  readonly failed: readonly FailedEvent[];
  /** Highest position among the events applied. */
  readonly lastPosition: number;
}

/** Checks the shape of an envelope read from Kafka (or anywhere): a plain object until proven otherwise. */
export function checkEnvelope(value: unknown): EventEnvelope | string {
  if (!isRecord(value)) return 'the message is not a JSON object';
  const problems: string[] = [];
  if (!EVENT_TYPES.includes(value.type as DomainEvent['type'])) problems.push(`unknown type ${String(value.type)}`);
  if (typeof value.streamId !== 'string') problems.push('streamId missing');
  if (!Number.isInteger(value.version) || (value.version as number) < 1) problems.push('version missing');
  if (!Number.isInteger(value.position)) problems.push('position missing');
  for (const field of ['occurredAt', 'recordedAt']) {
    if (typeof value[field] !== 'string' || Number.isNaN(Date.parse(value[field] as string))) problems.push(`${field} missing`);
  }
  if (!isRecord(value.data)) problems.push('data missing');
  return problems.length > 0 ? `invalid envelope: ${problems.join(', ')}` : (value as unknown as EventEnvelope);
}

/**
 * A rebuild's bulk load: the one writer of an empty schema keeps what it folded in memory
 * (about 1.5 KB a project) instead of reading it back, writes only rows that are final as it
 * goes (visits, investments, activities, facts rows once the next one closes them), and
 * writes the projects, streams and open facts once, at the end (`writeRemembered`).
 */
export class BulkLoad {
  readonly versions = new Map<string, number>();
  readonly projects = new Map<string, KnownProject>();
  /** Each project's open facts row: written once the next one gives it its valid_to, or at the end. */
  readonly openFacts = new Map<string, Record<string, unknown>>();
}

/** A project's state as folded so far, and who registered it. */
interface KnownProject {
  readonly state: ProjectState;
  readonly registeredBy: Actor;
}

/** A chunk folded and ready to write: `write()` runs its statements on the client it was prepared with. */
export interface PreparedChunk {
  readonly result: ApplyResult;
  write(): Promise<void>;
}

/**
 * Applies events to the read models of `schema` with `client` (inside the caller's
 * transaction). Idempotent: an event whose stream version was applied already is ignored, so
 * a redelivered or replayed message never counts twice. The events of one stream must come
 * in version order; streams may interleave. An event that cannot be applied (e.g. a project
 * event before its LeadRegistered) is returned as failed and the others are applied.
 */
export async function applyEvents(
  client: PoolClient,
  schema: string,
  envelopes: readonly EventEnvelope[],
  reference: ReferenceCatalog,
): Promise<ApplyResult> {
  const prepared = await prepareEvents(client, schema, envelopes, reference);
  await prepared.write();
  return prepared.result;
}

/**
 * The first half of `applyEvents`: reads what the chunk needs (from `bulk` in a bulk load),
 * folds it, and returns its writes unsent. A caller that prepares the next chunk while these
 * are written keeps the database and this process busy at once.
 */
export async function prepareEvents(
  client: PoolClient,
  schema: string,
  envelopes: readonly EventEnvelope[],
  reference: ReferenceCatalog,
  bulk?: BulkLoad,
): Promise<PreparedChunk> {
  if (envelopes.length === 0) return { result: { applied: 0, duplicates: 0, failed: [], lastPosition: 0 }, write: async () => undefined };
  const streamIds = [...new Set(envelopes.map((e) => e.streamId))];
  const projectIds = [
    ...new Set(envelopes.filter((e) => isProjectEventType(e.type)).map((e) => (e.data as { projectId: string }).projectId)),
  ];
  const versions = new Map<string, number>();
  const projects = new Map<string, KnownProject>();
  if (bulk) {
    for (const id of streamIds) if (bulk.versions.has(id)) versions.set(id, bulk.versions.get(id)!);
    for (const id of projectIds) if (bulk.projects.has(id)) projects.set(id, bulk.projects.get(id)!);
  } else {
    // The streams' applied versions and the projects' states, in one round trip.
    const { rows: known } = await client.query(
      `SELECT stream_id AS id, version, NULL::jsonb AS state, NULL::jsonb AS registered_by FROM ${qualified(schema, STREAMS.table)} WHERE stream_id = ANY($1::text[])
       UNION ALL
       SELECT project_id::text, version, state, registered_by FROM ${qualified(schema, PROJECTS.table)} WHERE project_id = ANY($2::uuid[])`,
      [streamIds, projectIds],
    );
    for (const row of known) {
      if (row.state === null) versions.set(row.id, row.version);
      else projects.set(row.id, { state: row.state, registeredBy: row.registered_by });
    }
  }

  const changedProjects = new Map<string, ProjectRecord>();
  const rowsOf = new Map<RowProjection, Record<string, unknown>[]>(ROW_PROJECTIONS.map((p) => [p, []]));
  const failed: FailedEvent[] = [];
  const changedStreams = new Set<string>();
  let duplicates = 0;
  let applied = 0;
  let lastPosition = 0;

  for (const envelope of envelopes) {
    if (envelope.version <= (versions.get(envelope.streamId) ?? 0)) {
      duplicates++;
      continue;
    }
    try {
      const event = { type: envelope.type, occurredAt: envelope.occurredAt, data: envelope.data } as DomainEvent;
      let previous: ProjectState | null = null;
      let state: ProjectState | null = null;
      if (isProjectEventType(event.type)) {
        const projectId = (event as ProjectEvent).data.projectId;
        if (envelope.streamId !== `project-${projectId}`) throw new Error(`event of ${envelope.streamId} names project ${projectId}`);
        const known = projects.get(projectId);
        previous = known?.state ?? null;
        state = evolve(previous, event as ProjectEvent);
        const registeredBy = known?.registeredBy ?? envelope.actor;
        projects.set(projectId, { state, registeredBy });
        changedProjects.set(projectId, { state, version: envelope.version, registeredBy });
      }
      const { eventId, position, recordedAt, actor } = envelope;
      const context = { eventId, position, recordedAt, actor, previous, state, reference };
      for (const [projection, rows] of rowsOf) {
        if (!projection.handles.has(event.type)) continue;
        const row = projection.row(event, context);
        if (row !== null) rows.push(row);
      }
      versions.set(envelope.streamId, envelope.version);
      changedStreams.add(envelope.streamId);
      applied++;
      lastPosition = Math.max(lastPosition, envelope.position);
    } catch (error) {
      failed.push({ envelope, reason: (error as Error).message });
    }
  }

  const facts = rowsOf.get(projectFactsProjection)!;
  const firstFacts = chainFacts(facts);
  if (bulk) {
    for (const [id, version] of versions) bulk.versions.set(id, version);
    for (const [id, state] of projects) bulk.projects.set(id, state);
    // Close the held rows in memory; hold each project's new last row.
    const factsToWrite = facts.filter((row) => row.valid_to !== null);
    for (const [projectId, end] of firstFacts) {
      const held = bulk.openFacts.get(projectId);
      if (held) factsToWrite.push({ ...held, valid_to: end.validTo, valid_to_position: end.validToPosition });
    }
    for (const row of facts) if (row.valid_to === null) bulk.openFacts.set(row.project_id as string, row);
    rowsOf.set(projectFactsProjection, factsToWrite);
  }
  const tables: TableRows[] = [
    ...(bulk ? [] : currentRows(schema, versions, changedStreams, changedProjects)),
    ...[...rowsOf].map(([{ table, columns }, rows]) => ({ schema, table, columns, rows })),
    {
      schema,
      table: 'dead_letters',
      conflictKey: 'position',
      ignoreConflicts: true,
      columns: 'position bigint, stream_id text, version integer, reason text',
      rows: failed.map(({ envelope, reason }) => ({
        ...(envelope as EventEnvelope),
        stream_id: (envelope as EventEnvelope).streamId,
        reason,
      })),
    },
  ];
  return {
    result: { applied, duplicates, failed, lastPosition },
    write: async () => {
      // Close the open facts first: the new open rows of the same projects may only exist after.
      if (!bulk) await closeFacts(client, schema, firstFacts);
      await writeAll(client, tables);
    },
  };
}

/**
 * The end of a bulk load: the streams, the projects and the open facts rows, from memory, in
 * slices written `concurrency` at a time on connections of their own (the rows are independent,
 * and most of the cost is the database parsing their JSON: ~30 MB/s a connection).
 */
export async function writeRemembered(
  pool: Pool,
  schema: string,
  bulk: BulkLoad,
  options: { sliceSize?: number; concurrency?: number } = {},
): Promise<void> {
  const sliceSize = options.sliceSize ?? 5_000;
  const slices: TableRows[] = [];
  // Plain inserts (no upsert): the schema is new and each row is written once.
  const add = ({ table, columns }: { table: string; columns: string }, rows: Record<string, unknown>[]) => {
    for (let i = 0; i < rows.length; i += sliceSize) slices.push({ schema, table, columns, rows: rows.slice(i, i + sliceSize) });
  };
  add(
    STREAMS,
    [...bulk.versions].map(([stream_id, version]) => ({ stream_id, version })),
  );
  add(
    PROJECTS,
    [...bulk.projects].map(([projectId, known]) =>
      projectRow(projectId, { ...known, version: bulk.versions.get(`project-${projectId}`)! }),
    ),
  );
  add(projectFactsProjection, [...bulk.openFacts.values()]);
  const writer = async () => {
    for (let slice = slices.shift(); slice; slice = slices.shift()) {
      const client = await pool.connect();
      try {
        await writeAll(client, [slice]);
      } finally {
        client.release();
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 2 }, writer));
}
