import type { Pool, PoolClient } from 'pg';
import {
  EVENT_TYPES,
  evolve,
  isRecord,
  type ActivityHeld,
  type DomainEvent,
  type ProjectEvent,
  type ProjectState,
  type ReferenceCatalog,
} from '@app/domain';
import type { EventEnvelope } from '@app/event-store';

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

/** Events that change what the KPIs count, and so open a new row of project_facts. */
const FACT_EVENTS = new Set<DomainEvent['type']>([
  'LeadRegistered',
  'ProjectSigned',
  'ProjectStarted',
  'ProjectCorrected',
  'ProjectDropped',
]);

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
  readonly projects = new Map<string, ProjectState>();
  /** Each project's open facts row: written once the next one gives it its valid_to, or at the end. */
  readonly openFacts = new Map<string, Record<string, unknown>>();
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
    ...new Set(envelopes.filter((e) => e.type !== 'ActivityHeld').map((e) => (e.data as { projectId: string }).projectId)),
  ];
  const versions = new Map<string, number>();
  const projects = new Map<string, ProjectState>();
  if (bulk) {
    for (const id of streamIds) if (bulk.versions.has(id)) versions.set(id, bulk.versions.get(id)!);
    for (const id of projectIds) if (bulk.projects.has(id)) projects.set(id, bulk.projects.get(id)!);
  } else {
    // The streams' applied versions and the projects' states, in one round trip.
    const { rows: known } = await client.query(
      `SELECT stream_id AS id, version, NULL::jsonb AS state FROM ${schema}.streams WHERE stream_id = ANY($1::text[])
       UNION ALL
       SELECT project_id::text, version, state FROM ${schema}.projects WHERE project_id = ANY($2::uuid[])`,
      [streamIds, projectIds],
    );
    for (const row of known) {
      if (row.state === null) versions.set(row.id, row.version);
      else projects.set(row.id, row.state);
    }
  }

  const changedProjects = new Map<string, { state: ProjectState; version: number }>();
  const facts: Record<string, unknown>[] = [];
  const visits: Record<string, unknown>[] = [];
  const funds: Record<string, unknown>[] = [];
  const activities: Record<string, unknown>[] = [];
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
      if (event.type === 'ActivityHeld') {
        activities.push(activityRow(event, envelope));
      } else {
        const projectId = event.data.projectId;
        if (envelope.streamId !== `project-${projectId}`) throw new Error(`event of ${envelope.streamId} names project ${projectId}`);
        const state = evolve(projects.get(projectId) ?? null, event as ProjectEvent);
        projects.set(projectId, state);
        changedProjects.set(projectId, { state, version: envelope.version });
        if (FACT_EVENTS.has(event.type)) facts.push(factsRow(state, envelope.recordedAt));
        if (event.type === 'VisitRecorded') {
          visits.push({
            project_id: projectId,
            direction: event.data.direction,
            occurred_at: event.occurredAt,
            recorded_at: envelope.recordedAt,
          });
        }
        if (event.type === 'FundInvestmentMade') {
          funds.push({
            project_id: projectId,
            fund: event.data.fund,
            municipal: reference.funds.get(event.data.fund)?.level === 'municipal',
            amount_wan: event.data.amountWan,
            occurred_at: event.occurredAt,
            recorded_at: envelope.recordedAt,
          });
        }
      }
      versions.set(envelope.streamId, envelope.version);
      changedStreams.add(envelope.streamId);
      applied++;
      lastPosition = Math.max(lastPosition, envelope.position);
    } catch (error) {
      failed.push({ envelope, reason: (error as Error).message });
    }
  }

  const firstFacts = chainFacts(facts);
  let factsToWrite = facts;
  if (bulk) {
    for (const [id, version] of versions) bulk.versions.set(id, version);
    for (const [id, state] of projects) bulk.projects.set(id, state);
    // Close the held rows in memory; hold each project's new last row.
    factsToWrite = facts.filter((row) => row.valid_to !== null);
    for (const [projectId, validFrom] of firstFacts) {
      const held = bulk.openFacts.get(projectId);
      if (held) factsToWrite.push({ ...held, valid_to: validFrom });
    }
    for (const row of facts) if (row.valid_to === null) bulk.openFacts.set(row.project_id as string, row);
  }
  const tables: TableRows[] = [
    ...(bulk ? [] : currentRows(schema, versions, changedStreams, changedProjects)),
    { table: `${schema}.project_facts`, columns: FACT_COLUMNS, rows: factsToWrite },
    {
      table: `${schema}.dead_letters`,
      conflictKey: 'position',
      ignoreConflicts: true,
      columns: 'position bigint, stream_id text, version integer, reason text',
      rows: failed.map(({ envelope, reason }) => ({
        ...(envelope as EventEnvelope),
        stream_id: (envelope as EventEnvelope).streamId,
        reason,
      })),
    },
    {
      table: `${schema}.visits`,
      columns: 'project_id uuid, direction text, occurred_at timestamptz, recorded_at timestamptz',
      rows: visits,
    },
    {
      table: `${schema}.fund_investments`,
      columns: 'project_id uuid, fund text, municipal boolean, amount_wan bigint, occurred_at timestamptz, recorded_at timestamptz',
      rows: funds,
    },
    {
      table: `${schema}.activities`,
      columns: 'activity_id uuid, kind text, title text, region text, unit text, occurred_at timestamptz, recorded_at timestamptz',
      rows: activities,
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

/** Who an investor is for `inbound_enterprise_count`: the credit code, else the name without spaces, case-folded. */
export function investorKey(investor: { name: string; creditCode?: string }): string {
  return investor.creditCode ? `code:${investor.creditCode.toUpperCase()}` : `name:${investor.name.replace(/\s+/gu, '').toLowerCase()}`;
}

function factsRow(state: ProjectState, recordedAt: string): Record<string, unknown> {
  return {
    project_id: state.projectId,
    valid_from: recordedAt,
    stage: state.stage,
    unit: state.unit,
    channels: state.channels,
    origin_region: state.investor.originRegion,
    sector: state.industry.sector,
    chain: state.industry.chain,
    industrial: state.industrial,
    investor_key: investorKey(state.investor),
    planned_wan: state.plannedInvestmentWan,
    lead_at: state.leadAt,
    signed_wan: state.signedAmountWan,
    signed_at: state.signedAt,
    started_wan: state.startedInvestmentWan,
    started_at: state.startedAt,
  };
}

function activityRow(event: ActivityHeld, envelope: EventEnvelope): Record<string, unknown> {
  const { activityId, kind, title, region, unit } = event.data;
  return { activity_id: activityId, kind, title, region, unit, occurred_at: event.occurredAt, recorded_at: envelope.recordedAt };
}

const FACT_COLUMNS =
  'project_id uuid, valid_from timestamptz, valid_to timestamptz, stage text, unit text, channels text[], origin_region text, sector text, chain text, ' +
  'industrial boolean, investor_key text, planned_wan bigint, lead_at timestamptz, signed_wan bigint, signed_at timestamptz, started_wan bigint, started_at timestamptz';

/** The streams' and projects' rows as they stand after a chunk (upserted). */
function currentRows(
  schema: string,
  versions: ReadonlyMap<string, number>,
  streams: Iterable<string>,
  projects: Iterable<[string, { state: ProjectState; version: number }]>,
): TableRows[] {
  return [
    {
      table: `${schema}.streams`,
      conflictKey: 'stream_id',
      columns: STREAM_COLUMNS,
      rows: [...streams].map((stream_id) => ({ stream_id, version: versions.get(stream_id) })),
    },
    {
      table: `${schema}.projects`,
      conflictKey: 'project_id',
      columns: PROJECT_COLUMNS,
      rows: [...projects].map(([projectId, { state, version }]) => projectRow(projectId, state, version)),
    },
  ];
}

const STREAM_COLUMNS = 'stream_id text, version integer';
const PROJECT_COLUMNS =
  'project_id uuid, version integer, stage text, unit text, channels text[], lead_at timestamptz, last_event_at timestamptz, state jsonb';

function projectRow(projectId: string, state: ProjectState, version: number): Record<string, unknown> {
  return {
    project_id: projectId,
    version,
    stage: state.stage,
    unit: state.unit,
    channels: state.channels,
    lead_at: state.leadAt,
    last_event_at: state.lastEventAt,
    state,
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
  const add = (table: string, columns: string, rows: Record<string, unknown>[]) => {
    for (let i = 0; i < rows.length; i += sliceSize) slices.push({ table, columns, rows: rows.slice(i, i + sliceSize) });
  };
  add(
    `${schema}.streams`,
    STREAM_COLUMNS,
    [...bulk.versions].map(([stream_id, version]) => ({ stream_id, version })),
  );
  add(
    `${schema}.projects`,
    PROJECT_COLUMNS,
    [...bulk.projects].map(([projectId, state]) => projectRow(projectId, state, bulk.versions.get(`project-${projectId}`)!)),
  );
  add(`${schema}.project_facts`, FACT_COLUMNS, [...bulk.openFacts.values()]);
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

/**
 * Chains the new facts rows of a chunk (each row's valid_to is the next row's valid_from of
 * the same project; the last stays open) and returns each project's first new valid_from.
 */
function chainFacts(rows: Record<string, unknown>[]): Map<string, string> {
  const firstOf = new Map<string, string>();
  for (let i = rows.length - 1; i >= 0; i--) firstOf.set(rows[i].project_id as string, rows[i].valid_from as string);
  const nextOf = new Map<string, string>();
  for (let i = rows.length - 1; i >= 0; i--) {
    const id = rows[i].project_id as string;
    rows[i].valid_to = nextOf.get(id) ?? null;
    nextOf.set(id, rows[i].valid_from as string);
  }
  return firstOf;
}

/** Closes each project's open row at its first new one. */
async function closeFacts(client: PoolClient, schema: string, firstOf: ReadonlyMap<string, string>): Promise<void> {
  if (firstOf.size === 0) return;
  // Arrays rather than JSON: the planner knows how many rows unnest gives (it takes
  // jsonb_to_recordset for 100) and probes the open-row index for each, without statistics too.
  await client.query(
    `UPDATE ${schema}.project_facts f SET valid_to = x.valid_from
       FROM unnest($1::uuid[], $2::timestamptz[]) AS x(project_id, valid_from)
      WHERE f.project_id = x.project_id AND f.valid_to IS NULL`,
    [[...firstOf.keys()], [...firstOf.values()]],
  );
}

interface TableRows {
  readonly table: string;
  /** `name type, …`, as jsonb_to_recordset takes them. */
  readonly columns: string;
  readonly rows: readonly Record<string, unknown>[];
  /** Upsert on this key (every other column updated), or with `ignoreConflicts` keep the row there. */
  readonly conflictKey?: string;
  readonly ignoreConflicts?: boolean;
}

/**
 * Writes rows into several tables in one statement (data-modifying WITH clauses), each table's
 * rows as one JSON parameter: one round trip per chunk, whatever it touches.
 */
async function writeAll(client: PoolClient, tables: readonly TableRows[]): Promise<void> {
  const writes = tables.filter((t) => t.rows.length > 0);
  if (writes.length === 0) return;
  const statements = writes.map(({ table, columns, conflictKey, ignoreConflicts }, i) => {
    const names = columns.split(',').map((c) => c.trim().split(/\s+/)[0]);
    const onConflict =
      conflictKey === undefined
        ? ''
        : ignoreConflicts
          ? ` ON CONFLICT (${conflictKey}) DO NOTHING`
          : ` ON CONFLICT (${conflictKey}) DO UPDATE SET ${names
              .filter((n) => n !== conflictKey)
              .map((n) => `${n} = excluded.${n}`)
              .join(', ')}`;
    return `w${i} AS (INSERT INTO ${table} (${names.join(', ')}) SELECT ${names.join(', ')} FROM jsonb_to_recordset($${i + 1}::jsonb) AS x(${columns})${onConflict})`;
  });
  await client.query(
    `WITH ${statements.join(',\n')} SELECT 1`,
    writes.map((t) => JSON.stringify(t.rows)),
  );
}
