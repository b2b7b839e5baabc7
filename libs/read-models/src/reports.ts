import type { Pool } from 'pg';
import { idleBefore, idleDays, periodBounds, periodLabel, type Period, type ReferenceCatalog } from '@app/domain';
import type { EventEnvelope } from '@app/event-store';
import { streamHistory, streamsOfEvents } from './history';
import { countedWindow, validity } from './kpis';
import { investorColumns } from './projections/projects';
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
  /** The signed amount, else the planned investment (万元): the list's order, highest first. */
  readonly amountWan: number;
  /** The business time of its latest event, and the calendar days from it to the reference day. */
  readonly lastEventAt: string;
  readonly idleDays: number;
}

export interface StalledOptions {
  /** Idle this many days or more (calendar days in the plan's zone, counted with ≥). */
  readonly days: number;
  /** Leads and negotiations idle this many days or more are left out (the targets file's alerts.deadLeadDays). */
  readonly deadLeadDays: number;
  /** As recorded at this instant, its day the reference day; the current state, today, when null. */
  readonly asOf: Date | null;
  readonly now: Date;
  readonly unit?: string;
  readonly limit: number;
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
   * The cohort of projects whose lead falls in the period: how many stand at each stage now (or
   * as recorded at `asOf`), how many reached signing and start, the conversions, and the median
   * days between stages.
   */
  async funnel(period: Period, asOf: Date | null = null) {
    const { start, end } = periodBounds(period, this.reference.timezone);
    const { rows } = await this.pool.query(
      `SELECT $3::timestamptz                                        AS as_of,
              count(*)                                               AS leads,
              count(*) FILTER (WHERE f.stage = 'lead')               AS at_lead,
              count(*) FILTER (WHERE f.stage = 'negotiating')        AS at_negotiating,
              count(*) FILTER (WHERE f.stage = 'signed')             AS at_signed,
              count(*) FILTER (WHERE f.stage = 'started')            AS at_started,
              count(*) FILTER (WHERE f.stage = 'dropped')            AS at_dropped,
              count(*) FILTER (WHERE f.signed_at IS NOT NULL)        AS signed,
              count(*) FILTER (WHERE f.started_at IS NOT NULL)       AS started,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM f.signed_at - f.lead_at) / 86400)  AS lead_to_signed_days,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM f.started_at - f.signed_at) / 86400) AS signed_to_started_days
         FROM ${quoteIdent(this.schema)}.project_facts f
        WHERE ${validity(asOf)} AND f.lead_at >= $1 AND f.lead_at < $2`,
      [start, end, asOf ?? new Date()],
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
    const conditions = ['p.project_id = $1', ...scopeConditions(scope, (value) => `$${params.push(value)}`)];
    const { rows } = await this.pool.query(
      `SELECT p.version, p.state FROM ${quoteIdent(this.schema)}.projects p WHERE ${conditions.join(' AND ')}`,
      params,
    );
    return rows.length === 0 ? null : toProject(rows[0]);
  }

  /**
   * A page of projects, the latest business activity first (ties by id, so pages never skip or
   * repeat a project); `nextCursor` continues after the last one, `total` counts the whole filter.
   */
  async projects(filter: ProjectFilter, now: Date, scope: ProjectScope = {}) {
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const conditions: string[] = scopeConditions(scope, param);
    if (filter.stage) conditions.push(`p.stage = ${param(filter.stage)}`);
    if (filter.unit) conditions.push(`p.unit = ${param(filter.unit)}`);
    if (filter.channel) conditions.push(`${param(filter.channel)} = ANY(p.channels)`);
    if (filter.chain) conditions.push(`p.state->'industry'->>'chain' = ${param(filter.chain)}`);
    if (filter.q) {
      const pattern = param(`%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      conditions.push(`(p.state->>'name' ILIKE ${pattern} OR p.state->'investor'->>'name' ILIKE ${pattern})`);
    }
    if (filter.stalledDays !== undefined) {
      conditions.push(
        `p.stage NOT IN ('started', 'dropped') AND p.last_event_at < ${param(idleBefore(filter.stalledDays, now, this.reference.timezone))}`,
      );
    }
    const table = `${quoteIdent(this.schema)}.projects`;
    const where = (all: string[]) => (all.length ? `WHERE ${all.join(' AND ')}` : '');
    const countParams = [...params];
    const page = [...conditions];
    if (filter.cursor) {
      // The cursor is the last row's (last_event_at in microseconds since the epoch, project_id): exact, unlike a
      // millisecond ISO text, so a page never repeats the row it continues after.
      const [micros, id] = filter.cursor.split('_');
      page.push(
        `(p.last_event_at, p.project_id) < (timestamptz 'epoch' + ${param(micros)}::bigint * interval '1 microsecond', ${param(id)}::uuid)`,
      );
    }
    const [{ rows }, counted] = await Promise.all([
      this.pool.query(
        `SELECT p.version, p.state, (extract(epoch FROM p.last_event_at) * 1000000)::bigint || '_' || p.project_id AS cursor
           FROM ${table} p ${where(page)}
          ORDER BY p.last_event_at DESC, p.project_id DESC LIMIT ${param(filter.limit + 1)}`,
        params,
      ),
      this.pool.query(`SELECT count(*)::int AS total FROM ${table} p ${where(conditions)}`, countParams),
    ]);
    const items = rows.slice(0, filter.limit).map(toProject);
    const nextCursor = rows.length > filter.limit ? (rows[filter.limit - 1].cursor as string) : null;
    return { items, nextCursor, total: counted.rows[0].total as number };
  }

  /**
   * 停滞项目 (contract §8): projects at stage lead, negotiating or signed idle `days` or more on
   * the reference day (the domain's idleBefore: calendar days in the plan's zone, counted with ≥)
   * — less the leads and negotiations idle `deadLeadDays` or more, which are lost, not stalled.
   * Current, or as recorded at `asOf` with that day as the reference day: then each project's
   * stage and amounts are its facts as of then, its latest event the latest one recorded by then.
   * How many, and the `limit` of the highest value first (signed amount, else planned).
   */
  async stalled(options: StalledOptions, scope: ProjectScope = {}) {
    const { days, deadLeadDays, asOf } = options;
    const reference = asOf ?? options.now;
    const params: unknown[] = [
      idleBefore(days, reference, this.reference.timezone),
      idleBefore(deadLeadDays, reference, this.reference.timezone),
    ];
    const param = (value: unknown) => `$${params.push(value)}`;
    const s = quoteIdent(this.schema);
    const at = asOf === null ? '' : param(asOf);
    const projects =
      asOf === null
        ? `SELECT p.project_id, p.unit, p.stage, p.last_event_at, p.registered_by,
                  coalesce((p.state->>'signedAmountWan')::bigint, (p.state->>'plannedInvestmentWan')::bigint) AS amount_wan
             FROM ${s}.projects p`
        : // The facts as recorded then, and the latest business time among each project's events recorded by
          // then (every event opens a facts row or is a visit or fund investment): one pass over the read models,
          // keeping only the projects idle since the cut.
          `SELECT f.project_id, f.unit, f.stage, r.last_event_at, n.registered_by, coalesce(f.signed_wan, f.planned_wan) AS amount_wan
             FROM (SELECT project_id, max(occurred_at) AS last_event_at
                     FROM (SELECT project_id, occurred_at FROM ${s}.project_facts WHERE valid_from <= ${at}
                           UNION ALL SELECT project_id, occurred_at FROM ${s}.visits WHERE recorded_at <= ${at}
                           UNION ALL SELECT project_id, occurred_at FROM ${s}.fund_investments WHERE recorded_at <= ${at}) e
                    GROUP BY project_id HAVING max(occurred_at) < $1) r
             JOIN ${s}.project_facts f ON f.project_id = r.project_id
             JOIN ${s}.projects n ON n.project_id = r.project_id
            WHERE f.valid_from <= ${at} AND (f.valid_to IS NULL OR f.valid_to > ${at})`;
    const conditions = [
      `stage IN ('lead', 'negotiating', 'signed')`,
      `last_event_at < $1`,
      `(stage = 'signed' OR last_event_at >= $2)`,
      ...scopeConditions(scope, param),
    ];
    if (options.unit) conditions.push(`unit = ${param(options.unit)}`);
    // One pass: the count over every candidate beside the few listed; names read for those only.
    const listed = await this.pool.query(
      `SELECT l.*, n.state->>'name' AS name FROM (
         SELECT project_id, unit, stage, last_event_at, amount_wan, count(*) OVER () AS total
           FROM (${projects}) p WHERE ${conditions.join(' AND ')}
          ORDER BY amount_wan DESC, last_event_at, project_id LIMIT ${param(options.limit)}) l
         JOIN ${s}.projects n USING (project_id)
        ORDER BY l.amount_wan DESC, l.last_event_at, l.project_id`,
      params,
    );
    const items: StalledProject[] = listed.rows.map((r) => ({
      projectId: r.project_id as string,
      name: r.name as string,
      unit: r.unit as string,
      stage: r.stage as string,
      amountWan: Number(r.amount_wan),
      lastEventAt: (r.last_event_at as Date).toISOString(),
      idleDays: idleDays(r.last_event_at as Date, reference, this.reference.timezone),
    }));
    return { days, deadLeadDays, count: listed.rows.length === 0 ? 0 : Number(listed.rows[0].total), items };
  }

  /** Promotion activities, newest first, in pages (`cursor` = nextCursor); a scope with units sees only theirs. */
  async activities(filter: { unit?: string; cursor?: string; limit: number }, scope: ProjectScope = {}) {
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    const conditions: string[] = [];
    if (scope.units) conditions.push(unitCondition('a', scope.units, param));
    if (filter.unit) conditions.push(`a.unit = ${param(filter.unit)}`);
    if (filter.cursor) {
      // The cursor is the last row's (occurred_at, activity_id): rows strictly after it in the order below.
      const [at, id] = filter.cursor.split('_');
      conditions.push(`(a.occurred_at, a.activity_id) < (${param(at)}::timestamptz, ${param(id)}::uuid)`);
    }
    const { rows } = await this.pool.query(
      `SELECT a.activity_id, a.kind, a.title, a.region, a.unit, a.occurred_at FROM ${quoteIdent(this.schema)}.activities a
        ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
        ORDER BY a.occurred_at DESC, a.activity_id DESC LIMIT ${param(filter.limit + 1)}`,
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

  /** A stream's events with their envelopes, in order, each with who wrote it (see history.ts). */
  async history(streamId: string): Promise<Array<EventEnvelope & { actorName: string | null }>> {
    return streamHistory(this.pool, streamId);
  }

  /**
   * The live projects of an investor in other units than `unit` (contract §7): the same credit
   * code, or, when either side has none, the same name with whitespace removed and case folded —
   * a new lead for it there is likely counted twice (重复统计). A project outside the scope is
   * named by its unit only.
   */
  async investorProjects(investor: { name: string; creditCode?: string }, unit: string, scope: ProjectScope = {}) {
    const identity = investorColumns(investor);
    const params: unknown[] = [identity.investor_code, identity.investor_name, unit];
    const visible = scopeConditions(scope, (value) => `$${params.push(value)}`);
    const { rows } = await this.pool.query(
      `SELECT p.project_id, p.state->>'name' AS name, p.unit, ${visible.length ? visible.join(' AND ') : 'true'} AS visible
         FROM ${quoteIdent(this.schema)}.projects p
        WHERE (p.investor_code = $1 OR (p.investor_name = $2 AND ($1::text IS NULL OR p.investor_code IS NULL)))
          AND p.unit <> $3 AND p.stage <> 'dropped'
        ORDER BY p.lead_at, p.project_id LIMIT 20`,
      params,
    );
    return rows.map((r) =>
      r.visible ? { projectId: r.project_id as string, name: r.name as string, unit: r.unit as string } : { unit: r.unit as string },
    );
  }

  /** The current unit of each project and of each event's project or activity: what the scope of derived reads goes by. */
  async unitsOf(
    projectIds: readonly string[],
    eventIds: readonly string[],
  ): Promise<{ projects: Map<string, string>; events: Map<string, string> }> {
    const s = quoteIdent(this.schema);
    const streams = await streamsOfEvents(this.pool, eventIds);
    const eventProjects = new Map<string, string>();
    const eventActivities = new Map<string, string>();
    for (const [eventId, streamId] of streams) {
      if (streamId.startsWith('project-')) eventProjects.set(eventId, streamId.slice('project-'.length));
      else if (streamId.startsWith('activity-')) eventActivities.set(eventId, streamId.slice('activity-'.length));
    }
    const [projects, activities] = await Promise.all([
      this.pool.query(`SELECT p.project_id, p.unit FROM ${s}.projects p WHERE p.project_id = ANY($1::uuid[])`, [
        [...new Set([...projectIds, ...eventProjects.values()])],
      ]),
      this.pool.query(`SELECT a.activity_id, a.unit FROM ${s}.activities a WHERE a.activity_id = ANY($1::uuid[])`, [
        [...new Set(eventActivities.values())],
      ]),
    ]);
    const projectUnits = new Map(projects.rows.map((r) => [r.project_id as string, r.unit as string]));
    const activityUnits = new Map(activities.rows.map((r) => [r.activity_id as string, r.unit as string]));
    const events = new Map<string, string>();
    for (const [eventId, projectId] of eventProjects) if (projectUnits.has(projectId)) events.set(eventId, projectUnits.get(projectId)!);
    for (const [eventId, activityId] of eventActivities)
      if (activityUnits.has(activityId)) events.set(eventId, activityUnits.get(activityId)!);
    return { projects: new Map(projectIds.filter((id) => projectUnits.has(id)).map((id) => [id, projectUnits.get(id)!])), events };
  }

  private nameOf(by: BreakdownDimension, key: string): string | null {
    if (by === 'unit') return this.reference.units.get(key)?.name ?? null;
    if (by === 'chain') return this.reference.chains.get(key)?.name ?? null;
    return null;
  }
}

/**
 * The SQL conditions of a scope on a row of `projects` aliased `p` (every column qualified: a
 * query that joins another table stays unambiguous); `param` adds a parameter and names it.
 * Every read of projects goes through here.
 */
export function scopeConditions(scope: ProjectScope, param: (value: unknown) => string): string[] {
  const conditions: string[] = [];
  if (scope.units) conditions.push(unitCondition('p', scope.units, param));
  if (scope.registeredByPartner !== undefined) {
    // Who registered a project: the actor of its LeadRegistered, kept on its row.
    conditions.push(`p.registered_by = jsonb_build_object('kind', 'partner', 'id', ${param(scope.registeredByPartner)}::text)`);
  }
  return conditions;
}

/** A row (aliased `alias`) of one of `units`. */
function unitCondition(alias: string, units: readonly string[], param: (value: unknown) => string): string {
  return `${alias}.unit = ANY(${param(units)}::text[])`;
}

function toProject(row: { version: number; state: Record<string, unknown> }): Record<string, unknown> {
  const { projectId, ...rest } = row.state;
  return { projectId, version: row.version, ...rest };
}
