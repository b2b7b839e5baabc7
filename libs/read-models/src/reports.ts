import type { Pool } from 'pg';
import { isUuid, periodBounds, periodLabel, type Period, type ReferenceCatalog } from '@app/domain';
import { PostgresEventStore, type EventEnvelope } from '@app/event-store';
import { countedWindow, validity } from './kpis';
import { investorKey } from './projections/project-facts';
import { LIVE_SCHEMA, quoteIdent } from './schema';

export const BREAKDOWN_DIMENSIONS = ['channel', 'region', 'unit', 'chain'] as const;
export type BreakdownDimension = (typeof BREAKDOWN_DIMENSIONS)[number];

const DIMENSION_SQL: Record<BreakdownDimension, string> = {
  channel: 'unnest(f.channels)',
  region: 'f.origin_region',
  unit: 'f.unit',
  chain: 'f.chain',
};

/** Which projects a reader may see: those of some units, or those a partner registered; {} for all. */
export interface ProjectScope {
  readonly units?: readonly string[];
  readonly registeredByPartner?: string;
}

export interface BreakdownOptions {
  /** As recorded at this instant; the current state when absent. */
  readonly asOf?: Date | null;
  /** Only this unit's projects. */
  readonly unit?: string | null;
  /** Business times before this instant only (year to date). */
  readonly until?: Date;
}

/** A project with no event for a while (停滞项目), as the cockpit warns of it. */
export interface StalledProject {
  readonly projectId: string;
  readonly name: string;
  readonly unit: string;
  readonly stage: string;
  readonly lastEventAt: string;
}

export interface ProjectFilter {
  readonly stage?: string;
  readonly unit?: string;
  readonly channel?: string;
  readonly chain?: string;
  /** Part of the project's or the investor's name (搜索), case-insensitive. */
  readonly q?: string;
  readonly stalledDays?: number;
  readonly cursor?: string;
  readonly limit: number;
}

/** The funnel, breakdowns, project pages and histories, from the current read models. */
export class Reports {
  constructor(
    private readonly pool: Pool,
    private readonly reference: ReferenceCatalog,
    private readonly schema: string = LIVE_SCHEMA,
  ) {}

  /**
   * The cohort of projects whose lead falls in the period: how many stand at each stage now,
   * how many reached signing and start, the conversions, and the median days between stages.
   */
  async funnel(period: Period) {
    const { start, end } = periodBounds(period, this.reference.timezone);
    const { rows } = await this.pool.query(
      `SELECT count(*)                                               AS leads,
              count(*) FILTER (WHERE p.stage = 'lead')               AS at_lead,
              count(*) FILTER (WHERE p.stage = 'negotiating')        AS at_negotiating,
              count(*) FILTER (WHERE p.stage = 'signed')             AS at_signed,
              count(*) FILTER (WHERE p.stage = 'started')            AS at_started,
              count(*) FILTER (WHERE p.stage = 'dropped')            AS at_dropped,
              count(*) FILTER (WHERE f.signed_at IS NOT NULL)        AS signed,
              count(*) FILTER (WHERE f.started_at IS NOT NULL)       AS started,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM f.signed_at - f.lead_at) / 86400)  AS lead_to_signed_days,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM f.started_at - f.signed_at) / 86400) AS signed_to_started_days
         FROM ${quoteIdent(this.schema)}.project_facts f JOIN ${quoteIdent(this.schema)}.projects p USING (project_id)
        WHERE f.valid_to IS NULL AND f.lead_at >= $1 AND f.lead_at < $2`,
      [start, end],
    );
    const r = rows[0];
    const leads = Number(r.leads);
    const signed = Number(r.signed);
    const started = Number(r.started);
    const round = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);
    return {
      period: periodLabel(period),
      cohort: 'projects whose lead date falls in the period',
      stages: {
        lead: Number(r.at_lead),
        negotiating: Number(r.at_negotiating),
        signed: Number(r.at_signed),
        started: Number(r.at_started),
        dropped: Number(r.at_dropped),
      },
      reached: { lead: leads, signed, started },
      conversion: { leadToSigned: leads === 0 ? null : signed / leads, signedToStarted: signed === 0 ? null : started / signed },
      medianDays: { leadToSigned: round(r.lead_to_signed_days), signedToStarted: round(r.signed_to_started_days) },
    };
  }

  /**
   * Per value of the dimension: leads registered, projects signed and started in the period
   * (cut at `until`), with their amounts; of every unit or one, current or as recorded at `asOf`.
   */
  async breakdown(by: BreakdownDimension, period: Period, options: BreakdownOptions = {}) {
    const { start, end } = countedWindow({ period, until: options.until }, this.reference.timezone);
    const asOf = options.asOf ?? null;
    const { rows } = await this.pool.query(
      `SELECT k.key, $3::timestamptz AS as_of,
              count(*) FILTER (WHERE f.lead_at >= $1 AND f.lead_at < $2)                               AS leads,
              coalesce(sum(f.planned_wan) FILTER (WHERE f.lead_at >= $1 AND f.lead_at < $2), 0)        AS planned_wan,
              count(*) FILTER (WHERE f.lead_at >= $1 AND f.lead_at < $2 AND f.stage = 'dropped')       AS dropped,
              count(*) FILTER (WHERE f.signed_at >= $1 AND f.signed_at < $2)                           AS signed,
              coalesce(sum(f.signed_wan) FILTER (WHERE f.signed_at >= $1 AND f.signed_at < $2), 0)     AS signed_wan,
              count(*) FILTER (WHERE f.started_at >= $1 AND f.started_at < $2)                         AS started,
              coalesce(sum(f.started_wan) FILTER (WHERE f.started_at >= $1 AND f.started_at < $2), 0)  AS started_wan
         FROM ${quoteIdent(this.schema)}.project_facts f CROSS JOIN LATERAL (SELECT ${DIMENSION_SQL[by]} AS key) k
        WHERE ${validity(asOf)} AND ($4::text IS NULL OR f.unit = $4)
          AND ((f.lead_at >= $1 AND f.lead_at < $2) OR (f.signed_at >= $1 AND f.signed_at < $2) OR (f.started_at >= $1 AND f.started_at < $2))
        GROUP BY k.key, as_of ORDER BY k.key`,
      [start, end, asOf ?? new Date(), options.unit ?? null],
    );
    return {
      period: periodLabel(period),
      by,
      rows: rows.map((r) => ({
        key: r.key as string,
        name: this.nameOf(by, r.key),
        lead: { count: Number(r.leads), plannedWan: Number(r.planned_wan), dropped: Number(r.dropped) },
        signed: { count: Number(r.signed), amountWan: Number(r.signed_wan) },
        started: { count: Number(r.started), amountWan: Number(r.started_wan) },
      })),
    };
  }

  /** A project's current state, or null when there is none the scope may see. */
  async project(projectId: string, scope: ProjectScope = {}): Promise<Record<string, unknown> | null> {
    const params: unknown[] = [projectId];
    const conditions = ['project_id = $1', ...scopeConditions(scope, (value) => `$${params.push(value)}`)];
    const { rows } = await this.pool.query(
      `SELECT version, state FROM ${quoteIdent(this.schema)}.projects WHERE ${conditions.join(' AND ')}`,
      params,
    );
    return rows.length === 0 ? null : toProject(rows[0]);
  }

  /** A page of projects in id order; `nextCursor` continues after the last one. */
  async projects(filter: ProjectFilter, now: Date, scope: ProjectScope = {}) {
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const conditions: string[] = scopeConditions(scope, param);
    if (filter.stage) conditions.push(`stage = ${param(filter.stage)}`);
    if (filter.unit) conditions.push(`unit = ${param(filter.unit)}`);
    if (filter.channel) conditions.push(`${param(filter.channel)} = ANY(channels)`);
    if (filter.chain) conditions.push(`state->'industry'->>'chain' = ${param(filter.chain)}`);
    if (filter.q) {
      const pattern = param(`%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      conditions.push(`(state->>'name' ILIKE ${pattern} OR state->'investor'->>'name' ILIKE ${pattern})`);
    }
    if (filter.stalledDays !== undefined) {
      conditions.push(
        `stage NOT IN ('started', 'dropped') AND last_event_at < ${param(new Date(now.getTime() - filter.stalledDays * 86_400_000))}`,
      );
    }
    if (filter.cursor) conditions.push(`project_id > ${param(filter.cursor)}`);
    const { rows } = await this.pool.query(
      `SELECT version, state FROM ${quoteIdent(this.schema)}.projects ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
        ORDER BY project_id LIMIT ${param(filter.limit + 1)}`,
      params,
    );
    const items = rows.slice(0, filter.limit).map(toProject);
    return { items, nextCursor: rows.length > filter.limit ? (items[items.length - 1].projectId as string) : null };
  }

  /**
   * Projects at stage lead, negotiating or signed whose latest event's business time is `days`
   * × 24 h or more before `now`: how many, and the `limit` idle the longest (oldest first).
   */
  async stalled(days: number, now: Date, options: { unit?: string; limit: number }, scope: ProjectScope = {}) {
    const params: unknown[] = [new Date(now.getTime() - days * 86_400_000)];
    const param = (value: unknown) => `$${params.push(value)}`;
    const conditions = [`stage IN ('lead', 'negotiating', 'signed')`, `last_event_at <= $1`, ...scopeConditions(scope, param)];
    if (options.unit) conditions.push(`unit = ${param(options.unit)}`);
    const where = `FROM ${quoteIdent(this.schema)}.projects WHERE ${conditions.join(' AND ')}`;
    // Counted apart: the list reads the names (in the JSON state) of its few rows only.
    const countParams = [...params];
    const [counted, listed] = await Promise.all([
      this.pool.query(`SELECT count(*) AS total ${where}`, countParams),
      this.pool.query(
        `SELECT project_id, state->>'name' AS name, unit, stage, last_event_at ${where}
          ORDER BY last_event_at, project_id LIMIT ${param(options.limit)}`,
        params,
      ),
    ]);
    const items: StalledProject[] = listed.rows.map((r) => ({
      projectId: r.project_id as string,
      name: r.name as string,
      unit: r.unit as string,
      stage: r.stage as string,
      lastEventAt: (r.last_event_at as Date).toISOString(),
    }));
    return { days, count: Number(counted.rows[0].total), items };
  }

  /** Promotion activities, newest first, in pages (`cursor` = nextCursor); a scope with units sees only theirs. */
  async activities(filter: { unit?: string; cursor?: string; limit: number }, scope: ProjectScope = {}) {
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    const conditions: string[] = [];
    if (scope.units) conditions.push(`unit = ANY(${param(scope.units)}::text[])`);
    if (filter.unit) conditions.push(`unit = ${param(filter.unit)}`);
    if (filter.cursor) {
      // The cursor is the last row's (occurred_at, activity_id): rows strictly after it in the order below.
      const [at, id] = filter.cursor.split('_');
      conditions.push(`(occurred_at, activity_id) < (${param(at)}::timestamptz, ${param(id)}::uuid)`);
    }
    const { rows } = await this.pool.query(
      `SELECT activity_id, kind, title, region, unit, occurred_at FROM ${quoteIdent(this.schema)}.activities
        ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
        ORDER BY occurred_at DESC, activity_id DESC LIMIT ${param(filter.limit + 1)}`,
      params,
    );
    const items = rows.slice(0, filter.limit).map((r) => ({
      activityId: r.activity_id as string,
      kind: r.kind as string,
      title: r.title as string,
      region: r.region as string,
      unit: r.unit as string,
      occurredAt: (r.occurred_at as Date).toISOString(),
    }));
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > filter.limit ? `${last.occurredAt}_${last.activityId}` : null };
  }

  /**
   * A stream's events with their envelopes, in order, from the event store itself; each with
   * `actorName`: the display name of the person, or the name of the API key, who wrote it.
   */
  async history(streamId: string): Promise<Array<EventEnvelope & { actorName: string | null }>> {
    const events = await new PostgresEventStore(this.pool).readStream(streamId);
    const ids = [...new Set(events.map((e) => e.actor.id).filter(isUuid))];
    const names = new Map<string, string>();
    if (ids.length > 0) {
      const { rows } = await this.pool.query(
        `SELECT id::text AS id, display_name AS name FROM people WHERE id = ANY($1::uuid[])
         UNION ALL SELECT id::text, name FROM api_keys WHERE id = ANY($1::uuid[])`,
        [ids],
      );
      for (const row of rows) names.set(row.id, row.name);
    }
    return events.map((event) => ({ ...event, actorName: names.get(event.actor.id) ?? null }));
  }

  /**
   * The live projects of an investor (same credit code, else same name: see investorKey) in
   * other units than `unit`: a new lead for it there is likely counted twice (重复统计). A
   * project outside the scope is named by its unit only.
   */
  async investorProjects(investor: { name: string; creditCode?: string }, unit: string, scope: ProjectScope = {}) {
    const params: unknown[] = [investorKey(investor), unit];
    const visible = scopeConditions(scope, (value) => `$${params.push(value)}`);
    const { rows } = await this.pool.query(
      `SELECT p.project_id, p.state->>'name' AS name, p.unit, ${visible.length ? visible.join(' AND ') : 'true'} AS visible
         FROM ${quoteIdent(this.schema)}.project_facts f JOIN ${quoteIdent(this.schema)}.projects p USING (project_id)
        WHERE f.valid_to IS NULL AND f.investor_key = $1 AND p.unit <> $2 AND p.stage <> 'dropped'
        ORDER BY p.lead_at LIMIT 20`,
      params,
    );
    return rows.map((r) =>
      r.visible ? { projectId: r.project_id as string, name: r.name as string, unit: r.unit as string } : { unit: r.unit as string },
    );
  }

  private nameOf(by: BreakdownDimension, key: string): string | null {
    if (by === 'unit') return this.reference.units.get(key)?.name ?? null;
    if (by === 'chain') return this.reference.chains.get(key)?.name ?? null;
    return null;
  }
}

/** SQL conditions on a projects row for a scope; `param` adds a parameter and names it. */
export function scopeConditions(scope: ProjectScope, param: (value: unknown) => string): string[] {
  const conditions: string[] = [];
  if (scope.units) conditions.push(`unit = ANY(${param(scope.units)}::text[])`);
  if (scope.registeredByPartner !== undefined) {
    // Who registered a project is the actor of its first event: one index probe into the store.
    conditions.push(
      `EXISTS (SELECT 1 FROM events e WHERE e.stream_id = 'project-' || project_id AND e.version = 1
                  AND e.actor = jsonb_build_object('kind', 'partner', 'id', ${param(scope.registeredByPartner)}::text))`,
    );
  }
  return conditions;
}

function toProject(row: { version: number; state: Record<string, unknown> }): Record<string, unknown> {
  const { projectId, ...rest } = row.state;
  return { projectId, version: row.version, ...rest };
}
