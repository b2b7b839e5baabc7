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
 * `project_facts`: what the KPIs count of each project, as it stood from `valid_from` to
 * `valid_to` in record time (the as-of queries read it). An event that changes any of it
 * opens a new row; the project's previous row is closed where the new one starts.
 */
export const projectFactsProjection: RowProjection = {
  table: 'project_facts',
  columns:
    'project_id uuid, valid_from timestamptz, valid_to timestamptz, stage text, unit text, channels text[], origin_region text, sector text, chain text, ' +
    'industrial boolean, investor_key text, planned_wan bigint, lead_at timestamptz, signed_wan bigint, signed_at timestamptz, started_wan bigint, started_at timestamptz',
  handles: new Set<DomainEvent['type']>(['LeadRegistered', 'ProjectSigned', 'ProjectStarted', 'ProjectCorrected', 'ProjectDropped']),
  row(_event, { recordedAt, state }) {
    const project = state as ProjectState;
    return {
      project_id: project.projectId,
      valid_from: recordedAt,
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

/**
 * Chains the new facts rows of a chunk (each row's valid_to is the next row's valid_from of
 * the same project; the last stays open) and returns each project's first new valid_from.
 */
export function chainFacts(rows: Record<string, unknown>[]): Map<string, string> {
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
export async function closeFacts(client: PoolClient, schema: string, firstOf: ReadonlyMap<string, string>): Promise<void> {
  if (firstOf.size === 0) return;
  // Arrays rather than JSON: the planner knows how many rows unnest gives (it takes
  // jsonb_to_recordset for 100) and probes the open-row index for each, without statistics too.
  await client.query(
    `UPDATE ${qualified(schema, 'project_facts')} f SET valid_to = x.valid_from
       FROM unnest($1::uuid[], $2::timestamptz[]) AS x(project_id, valid_from)
      WHERE f.project_id = x.project_id AND f.valid_to IS NULL`,
    [[...firstOf.keys()], [...firstOf.values()]],
  );
}
