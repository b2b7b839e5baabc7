import type { Pool } from 'pg';
import { periodLabel, type Period } from '@app/domain';
import type { Actor } from '@app/event-store';
import type { ReferenceData } from '@app/reference-data';
import { FACT_KPIS, UNIT_FACT_KPIS, countedWindow, validity, type FactColumn, type KpiQueries } from './kpis';
import { LIVE_SCHEMA, quoteIdent } from './schema';

/** One event's part in a KPI's change (contract §9). */
export interface Contribution {
  readonly eventId: string;
  readonly type: string;
  readonly projectId: string | null;
  readonly recordedAt: string;
  readonly occurredAt: string;
  readonly actor: Actor;
  readonly delta: number;
}

export interface KpiChangesQuery {
  readonly code: string;
  /** `city` or a unit code. */
  readonly scope: string;
  readonly period: Period;
  /** Record times: the events recorded in (from, to] are taken. */
  readonly from: Date;
  readonly to: Date;
}

/**
 * Declares the type of every parameter of params(): an expression of one code leaves some
 * unused, and PostgreSQL must know them all. A CTE nobody reads is never run.
 */
const TYPED_PARAMS = `typed AS (SELECT $1::timestamptz, $2::timestamptz, $3::timestamptz, $4::bigint, $5::bigint, $6::text, $7::text, $8::bigint, $9::timestamptz)`;

/** The city KPIs not summed over project facts alone. */
const OTHER_CITY_KPIS = new Set(['outbound_activity_count', 'fund_invested_count', 'inbound_enterprise_count']);

/** The event of a row that carries one (every read model row), as a contribution reads it (after its type). */
const EVENT_OF = (alias: string) => `${alias}.event_id, ${alias}.position, ${alias}.recorded_at, ${alias}.occurred_at, ${alias}.actor`;

/** The event that opened a facts row, as a contribution reads it: its type, then as EVENT_OF. */
const FACT_EVENT_OF = (alias: string) =>
  `${alias}.event_type AS type, ${alias}.event_id, ${alias}.valid_from_position AS position, ${alias}.valid_from AS recorded_at, ${alias}.occurred_at, ${alias}.actor`;

/**
 * Each facts row opened in (from, to] — $3, $4 unless named — beside the project's row it
 * replaced (`p`, none for a lead): one step per event, in whatever batch it came.
 */
const factSteps = (schema: string, from = '$3', to = '$4') =>
  `${schema}.project_facts n
     LEFT JOIN ${schema}.project_facts p ON p.project_id = n.project_id AND p.valid_to_position = n.valid_from_position
    WHERE n.valid_from > ${from} AND n.valid_from <= ${to}`;

/** Shares are compared to 10 decimals (contract §9). */
const round10 = (x: number) => Math.round(x * 1e10) / 1e10;

/**
 * What moved a KPI between two record times: every event recorded in the window with the
 * KPI's value just after it minus just before it, in position order, zeros left out. Each
 * project's part in a facts KPI is what its facts contribute (FACT_KPIS, UNIT_FACT_KPIS, the
 * very expressions of the report), so an event's delta is its project's contribution after
 * minus before; activities and municipal fund investments add one each. A share's deltas are
 * the differences of the running share rounded to 10 decimals, so they add up to the change.
 */
export class KpiChanges {
  constructor(
    private readonly pool: Pool,
    private readonly reference: ReferenceData,
    private readonly kpis: KpiQueries,
    private readonly schema: string = LIVE_SCHEMA,
  ) {}

  /** Whether the code's changes are broken down per event: every KPI of contract §3. */
  static supports(code: string, scope: string): boolean {
    if (scope === 'city') return code in FACT_KPIS || OTHER_CITY_KPIS.has(code);
    return code in UNIT_FACT_KPIS || code === 'unit.fund_landed_count';
  }

  async changes(query: KpiChangesQuery) {
    const [before, after] = await Promise.all([this.actual(query, query.from), this.actual(query, query.to)]);
    const contributions = await this.contributions(query);
    return {
      code: query.code,
      scope: query.scope,
      period: periodLabel(query.period),
      from: { asOf: query.from.toISOString(), actual: before },
      to: { asOf: query.to.toISOString(), actual: after },
      delta: before === null && after === null ? null : round10((after ?? 0) - (before ?? 0)),
      contributions,
    };
  }

  /** The KPI's value as recorded at `asOf`: a facts KPI from its own expression alone, the others from the report. */
  private async actual(query: KpiChangesQuery, asOf: Date): Promise<number | null> {
    if (OTHER_CITY_KPIS.has(query.code) || query.code === 'unit.fund_landed_count') {
      const kpiQuery = { period: query.period, asOf, now: asOf };
      const results = query.scope === 'city' ? await this.kpis.city(kpiQuery) : await this.kpis.units(kpiQuery);
      return results.find((r) => r.code === query.code && r.scope === query.scope)?.actual ?? null;
    }
    const { num, den } = await this.sums(query, asOf);
    return den === null ? num : den === 0 ? null : num / den;
  }

  /** A facts KPI's sum over the projects as recorded at `asOf` (a share: its numerator and base). */
  private async sums(query: KpiChangesQuery, asOf: Date): Promise<{ num: number; den: number | null }> {
    const { num, den } = this.expressions(query, 'f');
    const params = this.params(query);
    params[2] = asOf;
    const { rows } = await this.pool.query(
      `WITH ${TYPED_PARAMS}
       SELECT coalesce(sum(${num}), 0) AS num${den ? `, coalesce(sum(${den}), 0) AS den` : ''}
         FROM ${quoteIdent(this.schema)}.project_facts f
        WHERE ${validity(asOf)} AND ((f.signed_at >= $1 AND f.signed_at < $2) OR (f.started_at >= $1 AND f.started_at < $2))`,
      params,
    );
    return { num: Number(rows[0].num), den: den ? Number(rows[0].den) : null };
  }

  private async contributions(query: KpiChangesQuery): Promise<Contribution[]> {
    if (query.code === 'outbound_activity_count') return this.activityContributions(query);
    if (query.code === 'fund_invested_count') return this.fundContributions(query);
    if (query.code === 'inbound_enterprise_count') return this.inboundContributions(query);
    if (query.code === 'unit.fund_landed_count') return this.fundLandedContributions(query);
    return this.factContributions(query);
  }

  /**
   * Distinct investors with an inbound visit in the period: a project joins with its first such
   * visit, under its investor's identity; a correction of the investor moves a member
   * from one identity to another. Each project's membership and identity are followed from
   * `from` through its events in position order; an event's delta is the change in the number
   * of identities with at least one member.
   */
  private async inboundContributions(query: KpiChangesQuery): Promise<Contribution[]> {
    const s = quoteIdent(this.schema);
    const { start, end } = countedWindow({ period: query.period }, this.reference.timezone);
    const first = `first AS (SELECT DISTINCT ON (v.project_id) v.project_id, ${EVENT_OF('v')} FROM ${s}.visits v
                     WHERE v.direction = 'inbound' AND v.occurred_at >= $1 AND v.occurred_at < $2 ORDER BY v.project_id, v.position)`;
    const { rows: points } = await this.pool.query(
      `WITH ${first}
       SELECT f.project_id, NULL::text AS key, 'VisitRecorded' AS type, ${EVENT_OF('f')} FROM first f WHERE f.recorded_at > $3 AND f.recorded_at <= $4
       UNION ALL
       SELECT n.project_id, n.investor_key, ${FACT_EVENT_OF('n')}
         FROM ${factSteps(s)} AND n.investor_key IS DISTINCT FROM p.investor_key
       ORDER BY position`,
      [start, end, query.from, query.to],
    );
    const projects = [...new Set(points.map((r) => r.project_id as string))];
    const { rows: initial } = await this.pool.query(
      `WITH ${first}
       SELECT f.project_id, f.investor_key, v.recorded_at <= $3 AS member
         FROM ${s}.project_facts f LEFT JOIN first v ON v.project_id = f.project_id
        WHERE ${validity(query.from)} AND f.project_id = ANY($4::uuid[])`,
      [start, end, query.from, projects],
    );
    const state = new Map(initial.map((r) => [r.project_id as string, { key: r.investor_key as string, member: r.member === true }]));
    const keys = [...new Set([...initial.map((r) => r.investor_key), ...points.map((r) => r.key)].filter((k) => k !== null))];
    const { rows: counted } = await this.pool.query(
      `WITH ${first}
       SELECT f.investor_key, count(*)::int AS members
         FROM first v JOIN ${s}.project_facts f ON f.project_id = v.project_id AND ${validity(query.from)}
        WHERE v.recorded_at <= $3 AND f.investor_key = ANY($4::text[])
        GROUP BY 1`,
      [start, end, query.from, keys],
    );
    const members = new Map<string, number>(counted.map((r) => [r.investor_key, r.members]));
    const add = (key: string, by: number) => {
      const was = members.get(key) ?? 0;
      members.set(key, was + by);
      return (was === 0 && by > 0 ? 1 : 0) - (was + by === 0 && by < 0 ? 1 : 0);
    };
    return points.flatMap((r) => {
      const project = state.get(r.project_id) ?? { key: r.key as string, member: false };
      state.set(r.project_id, project);
      let delta = 0;
      if (r.key === null) {
        if (!project.member) delta += add(project.key, 1);
        project.member = true;
      } else {
        if (project.member && project.key !== undefined) delta += add(project.key, -1) + add(r.key, 1);
        project.key = r.key;
      }
      return delta === 0 ? [] : [contribution(r, delta)];
    });
  }

  /**
   * The unit's projects signed in the period that have a fund investment recorded (any time):
   * each project's two conditions are followed from `from` through its events in position
   * order — a facts row can make it signed in the period and of the unit (or no longer), its
   * first fund investment gives it the investment; it counts while both hold.
   */
  private async fundLandedContributions(query: KpiChangesQuery): Promise<Contribution[]> {
    const s = quoteIdent(this.schema);
    const { start, end } = countedWindow({ period: query.period }, this.reference.timezone);
    const counted = (alias: string) => `(${alias}.signed_at >= $1 AND ${alias}.signed_at < $2 AND ${alias}.unit = $5)`;
    const first = `first AS (SELECT DISTINCT ON (fi.project_id) fi.project_id, ${EVENT_OF('fi')} FROM ${s}.fund_investments fi ORDER BY fi.project_id, fi.position)`;
    const { rows: points } = await this.pool.query(
      `WITH ${first}
       SELECT f.project_id, NULL::boolean AS key, 'FundInvestmentMade' AS type, ${EVENT_OF('f')} FROM first f WHERE f.recorded_at > $3 AND f.recorded_at <= $4
       UNION ALL
       SELECT n.project_id, ${counted('n')}, ${FACT_EVENT_OF('n')} FROM ${factSteps(s)}
       ORDER BY position`,
      [start, end, query.from, query.to, query.scope],
    );
    const projects = [...new Set(points.map((r) => r.project_id as string))];
    const { rows: initial } = await this.pool.query(
      `WITH ${first}
       SELECT f.project_id, ${counted('f')} AS counted, coalesce(v.recorded_at <= $3, false) AS funded
         FROM ${s}.project_facts f LEFT JOIN first v ON v.project_id = f.project_id
        WHERE ${validity(query.from)} AND f.project_id = ANY($4::uuid[])`,
      [start, end, query.from, projects, query.scope],
    );
    const state = new Map(initial.map((r) => [r.project_id as string, { counted: r.counted === true, funded: r.funded === true }]));
    return points.flatMap((r) => {
      const project = state.get(r.project_id) ?? { counted: false, funded: false };
      state.set(r.project_id, project);
      const was = project.counted && project.funded ? 1 : 0;
      if (r.key === null) project.funded = true;
      else project.counted = r.key === true;
      const delta = (project.counted && project.funded ? 1 : 0) - was;
      return delta === 0 ? [] : [contribution(r, delta)];
    });
  }

  /** $1, $2 the period; $3 from; $4–$6 the city thresholds; $7 the unit, $8 its mega threshold; $9 to. */
  private params(query: KpiChangesQuery): unknown[] {
    const { start, end } = countedWindow({ period: query.period }, this.reference.timezone);
    const t = this.reference.plan.thresholds as Record<string, unknown>;
    const mega = (t.megaSignedWan ?? {}) as Record<string, number>;
    const kind = this.reference.units.get(query.scope)?.kind;
    return [
      start,
      end,
      query.from,
      Number(t.emergingShareMinSignedWan ?? 10_000),
      Number(t.majorEmergingSignedWan ?? 100_000),
      String(t.sciCityUnit ?? 'zz-sci-city'),
      query.scope === 'city' ? null : query.scope,
      kind ? (mega[kind] ?? null) : null,
      query.to,
    ];
  }

  /** The KPI's contribution of one facts row (alias), and for a share its base. */
  private expressions(query: KpiChangesQuery, alias: string): { num: string; den?: string } {
    const column: FactColumn = (name) => `${alias}.${name}`;
    if (query.scope === 'city') return FACT_KPIS[query.code](column);
    return { num: `CASE WHEN ${column('unit')} = $7 THEN ${UNIT_FACT_KPIS[query.code](column, '$8::bigint')} ELSE 0 END` };
  }

  private async factContributions(query: KpiChangesQuery): Promise<Contribution[]> {
    const s = quoteIdent(this.schema);
    const after = this.expressions(query, 'n');
    const prior = this.expressions(query, 'p');
    const den = after.den !== undefined && prior.den !== undefined;
    // Each event that opened a facts row in the window, against the row it replaced, by position.
    const { rows } = await this.pool.query(
      `WITH ${TYPED_PARAMS}, x AS (
         SELECT n.project_id, ${FACT_EVENT_OF('n')},
                (${after.num}) - coalesce((${prior.num}), 0) AS num_delta,
                ${den ? `(${after.den}) - coalesce((${prior.den}), 0)` : '0'} AS den_delta
           FROM ${factSteps(s, '$3', '$9')}
       )
       SELECT * FROM x WHERE x.num_delta <> 0 OR x.den_delta <> 0 ORDER BY x.position`,
      this.params(query),
    );
    if (!den) return rows.map((r) => contribution(r, Number(r.num_delta)));

    // A share: the running numerator and base from their values at `from`.
    const start = await this.sums(query, query.from);
    let num = start.num;
    let total = start.den ?? 0;
    const share = () => (total === 0 ? 0 : round10(num / total));
    return rows.flatMap((r) => {
      const was = share();
      num += Number(r.num_delta);
      total += Number(r.den_delta);
      const delta = round10(share() - was);
      return delta === 0 ? [] : [contribution(r, delta)];
    });
  }

  /** Outbound activities held in the period: each adds one when recorded. */
  private async activityContributions(query: KpiChangesQuery): Promise<Contribution[]> {
    const { start, end } = countedWindow({ period: query.period }, this.reference.timezone);
    const { rows } = await this.pool.query(
      `SELECT ${EVENT_OF('a')}, 'ActivityHeld' AS type, NULL AS project_id
         FROM ${quoteIdent(this.schema)}.activities a
        WHERE a.kind = 'outbound' AND a.occurred_at >= $1 AND a.occurred_at < $2 AND a.recorded_at > $3 AND a.recorded_at <= $4
        ORDER BY a.position`,
      [start, end, query.from, query.to],
    );
    return rows.map((r) => contribution(r, 1));
  }

  /** Projects with a municipal fund investment in the period: the first one recorded adds one. */
  private async fundContributions(query: KpiChangesQuery): Promise<Contribution[]> {
    const { start, end } = countedWindow({ period: query.period }, this.reference.timezone);
    const { rows } = await this.pool.query(
      `WITH first AS (
         SELECT DISTINCT ON (fi.project_id) fi.project_id, ${EVENT_OF('fi')} FROM ${quoteIdent(this.schema)}.fund_investments fi
          WHERE fi.municipal AND fi.occurred_at >= $1 AND fi.occurred_at < $2 ORDER BY fi.project_id, fi.position
       )
       SELECT f.*, 'FundInvestmentMade' AS type FROM first f WHERE f.recorded_at > $3 AND f.recorded_at <= $4 ORDER BY f.position`,
      [start, end, query.from, query.to],
    );
    return rows.map((r) => contribution(r, 1));
  }
}

function contribution(row: Record<string, unknown>, delta: number): Contribution {
  return {
    eventId: row.event_id as string,
    type: row.type as string,
    projectId: (row.project_id as string | null) ?? null,
    recordedAt: (row.recorded_at as Date).toISOString(),
    occurredAt: (row.occurred_at as Date).toISOString(),
    actor: row.actor as Actor,
    delta,
  };
}
