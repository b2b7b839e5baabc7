import type { PoolClient } from 'pg';
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
const FACT_EVENTS = new Set<DomainEvent['type']>(['LeadRegistered', 'ProjectSigned', 'ProjectStarted', 'ProjectCorrected', 'ProjectDropped']);

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
  if (envelopes.length === 0) return { applied: 0, duplicates: 0, failed: [], lastPosition: 0 };
  const streamIds = [...new Set(envelopes.map((e) => e.streamId))];
  const versions = new Map<string, number>(
    (await client.query(`SELECT stream_id, version FROM ${schema}.streams WHERE stream_id = ANY($1::text[])`, [streamIds])).rows.map((r) => [
      r.stream_id,
      r.version,
    ]),
  );
  const projectIds = envelopes.filter((e) => e.type !== 'ActivityHeld').map((e) => (e.data as { projectId: string }).projectId);
  const projects = new Map<string, ProjectState>(
    (await client.query(`SELECT project_id, state FROM ${schema}.projects WHERE project_id = ANY($1::uuid[])`, [[...new Set(projectIds)]])).rows.map(
      (r) => [r.project_id, r.state],
    ),
  );

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
          visits.push({ project_id: projectId, direction: event.data.direction, occurred_at: event.occurredAt, recorded_at: envelope.recordedAt });
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

  await upsert(client, `${schema}.streams`, 'stream_id', [...changedStreams].map((stream_id) => ({ stream_id, version: versions.get(stream_id) })), 'stream_id text, version integer');
  await upsert(
    client,
    `${schema}.projects`,
    'project_id',
    [...changedProjects].map(([project_id, { state, version }]) => ({
      project_id,
      version,
      stage: state.stage,
      unit: state.unit,
      channels: state.channels,
      lead_at: state.leadAt,
      last_event_at: state.lastEventAt,
      state,
    })),
    'project_id uuid, version integer, stage text, unit text, channels text[], lead_at timestamptz, last_event_at timestamptz, state jsonb',
  );
  await writeFacts(client, schema, facts);
  await client.query(
    `INSERT INTO ${schema}.dead_letters (position, stream_id, version, reason)
     SELECT position, stream_id, version, reason FROM jsonb_to_recordset($1::jsonb) AS x(position bigint, stream_id text, version integer, reason text)
     ON CONFLICT (position) DO NOTHING`,
    [JSON.stringify(failed.map(({ envelope, reason }) => ({ ...(envelope as EventEnvelope), stream_id: (envelope as EventEnvelope).streamId, reason })))],
  );
  await insert(client, `${schema}.visits`, visits, 'project_id uuid, direction text, occurred_at timestamptz, recorded_at timestamptz');
  await insert(
    client,
    `${schema}.fund_investments`,
    funds,
    'project_id uuid, fund text, municipal boolean, amount_wan bigint, occurred_at timestamptz, recorded_at timestamptz',
  );
  await insert(
    client,
    `${schema}.activities`,
    activities,
    'activity_id uuid, kind text, title text, region text, unit text, occurred_at timestamptz, recorded_at timestamptz',
  );
  return { applied, duplicates, failed, lastPosition };
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

/** Closes each project's open row at the first new one, and chains the new rows of the batch. */
async function writeFacts(client: PoolClient, schema: string, rows: Record<string, unknown>[]): Promise<void> {
  if (rows.length === 0) return;
  const firstOf = new Map<string, string>();
  for (let i = rows.length - 1; i >= 0; i--) firstOf.set(rows[i].project_id as string, rows[i].valid_from as string);
  const nextOf = new Map<string, string>();
  for (let i = rows.length - 1; i >= 0; i--) {
    const id = rows[i].project_id as string;
    rows[i].valid_to = nextOf.get(id) ?? null;
    nextOf.set(id, rows[i].valid_from as string);
  }
  await client.query(
    `UPDATE ${schema}.project_facts f SET valid_to = x.valid_from
       FROM jsonb_to_recordset($1::jsonb) AS x(project_id uuid, valid_from timestamptz)
      WHERE f.project_id = x.project_id AND f.valid_to IS NULL`,
    [JSON.stringify([...firstOf].map(([project_id, valid_from]) => ({ project_id, valid_from })))],
  );
  await insert(client, `${schema}.project_facts`, rows, FACT_COLUMNS);
}

/** One INSERT for many rows, passed as one JSON parameter; `columns` as `name type, …`. */
async function insert(client: PoolClient, table: string, rows: readonly Record<string, unknown>[], columns: string): Promise<void> {
  if (rows.length === 0) return;
  const names = columns.split(',').map((c) => c.trim().split(/\s+/)[0]);
  await client.query(`INSERT INTO ${table} (${names.join(', ')}) SELECT ${names.join(', ')} FROM jsonb_to_recordset($1::jsonb) AS x(${columns})`, [
    JSON.stringify(rows),
  ]);
}

async function upsert(client: PoolClient, table: string, key: string, rows: readonly Record<string, unknown>[], columns: string): Promise<void> {
  if (rows.length === 0) return;
  const names = columns.split(',').map((c) => c.trim().split(/\s+/)[0]);
  const updates = names.filter((n) => n !== key).map((n) => `${n} = excluded.${n}`);
  await client.query(
    `INSERT INTO ${table} (${names.join(', ')}) SELECT ${names.join(', ')} FROM jsonb_to_recordset($1::jsonb) AS x(${columns})
     ON CONFLICT (${key}) DO UPDATE SET ${updates.join(', ')}`,
    [JSON.stringify(rows)],
  );
}
