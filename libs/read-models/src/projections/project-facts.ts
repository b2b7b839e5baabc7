import type { PoolClient } from 'pg';
import type { DomainEvent, ProjectState } from '@app/domain';
import type { RowProjection } from './projection';
import { qualified } from './writer';

/** An investor's name as the investor identity compares it: whitespace removed, case folded. */
export function investorNameKey(name: string): string {
  return name.replace(/\s+/gu, '').toLowerCase();
}

/** Who an investor is for `inbound_enterprise_count`: the credit code, else the name without spaces, case-folded. */
export function investorKey(investor: { name: string; creditCode?: string }): string {
  return investor.creditCode ? `code:${investor.creditCode.toUpperCase()}` : `name:${investorNameKey(investor.name)}`;
}

/**
 * `project_facts`: what the KPIs count of each project, as it stood from one event that changed
 * it to the next (by position; `valid_from`/`valid_to` are their record times, which the as-of
 * queries read). An event that changes any of it opens a new row, with the event's id, type,
 * business time and actor; the project's previous row is closed where the new one starts. A
 * visit opens one only when it moves the stage (lead → negotiating).
 */
export const projectFactsProjection: RowProjection = {
  table: 'project_facts',
  columns:
    'project_id uuid, valid_from timestamptz, valid_to timestamptz, valid_from_position bigint, valid_to_position bigint, event_id uuid, event_type text, ' +
    'occurred_at timestamptz, actor jsonb, stage text, unit text, channels text[], origin_region text, sector text, chain text, ' +
    'industrial boolean, investor_key text, planned_wan bigint, lead_at timestamptz, signed_wan bigint, signed_at timestamptz, started_wan bigint, started_at timestamptz',
  handles: new Set<DomainEvent['type']>([
    'LeadRegistered',
    'VisitRecorded',
    'ProjectSigned',
    'ProjectStarted',
    'ProjectCorrected',
    'ProjectDropped',
  ]),
  row(event, context) {
    const project = context.state as ProjectState;
    if (event.type === 'VisitRecorded' && context.previous?.stage === project.stage) return null;
    return {
      project_id: project.projectId,
      valid_from: context.recordedAt,
      valid_from_position: context.position,
      event_id: context.eventId,
      event_type: event.type,
      occurred_at: event.occurredAt,
      actor: context.actor,
      stage: project.stage,
      unit: project.unit,
      channels: project.channels,
      origin_region: project.investor.originRegion,
      sector: project.industry.sector,
      chain: project.industry.chain,
      industrial: project.industrial,
      investor_key: investorKey(project.investor),
      planned_wan: project.plannedInvestmentWan,
      lead_at: project.leadAt,
      signed_wan: project.signedAmountWan,
      signed_at: project.signedAt,
      started_wan: project.startedInvestmentWan,
      started_at: project.startedAt,
    };
  },
};

/** Where a project's open facts row ends: at the record time and position of its next one. */
export interface FactsEnd {
  readonly validTo: string;
  readonly validToPosition: number;
}

/**
 * Chains the new facts rows of a chunk (each row ends where the next row of the same project
 * starts; the last stays open) and returns where each project's open row ends: at its first new one.
 */
export function chainFacts(rows: Record<string, unknown>[]): Map<string, FactsEnd> {
  const firstOf = new Map<string, FactsEnd>();
  for (let i = rows.length - 1; i >= 0; i--) {
    const row = rows[i];
    const id = row.project_id as string;
    const next = firstOf.get(id);
    row.valid_to = next?.validTo ?? null;
    row.valid_to_position = next?.validToPosition ?? null;
    firstOf.set(id, { validTo: row.valid_from as string, validToPosition: row.valid_from_position as number });
  }
  return firstOf;
}

/** Closes each project's open row at its first new one. */
export async function closeFacts(client: PoolClient, schema: string, firstOf: ReadonlyMap<string, FactsEnd>): Promise<void> {
  if (firstOf.size === 0) return;
  const ends = [...firstOf.values()];
  // Arrays rather than JSON: the planner knows how many rows unnest gives (it takes
  // jsonb_to_recordset for 100) and probes the open-row index for each, without statistics too.
  await client.query(
    `UPDATE ${qualified(schema, 'project_facts')} f SET valid_to = x.valid_to, valid_to_position = x.valid_to_position
       FROM unnest($1::uuid[], $2::timestamptz[], $3::bigint[]) AS x(project_id, valid_to, valid_to_position)
      WHERE f.project_id = x.project_id AND f.valid_to IS NULL`,
    [[...firstOf.keys()], ends.map((e) => e.validTo), ends.map((e) => e.validToPosition)],
  );
}
