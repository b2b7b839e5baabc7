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

/** The facts-row event types: each opens a row of project_facts, stamped with its record time. */
const FACT_EVENT_TYPES = ['LeadRegistered', 'ProjectSigned', 'ProjectStarted', 'ProjectCorrected', 'ProjectDropped'];

/**
 * Declares the type of every parameter of params(): an expression of one code leaves some
 * unused, and PostgreSQL must know them all. A CTE nobody reads is never run.
 */
const TYPED_PARAMS = `typed AS (SELECT $1::timestamptz, $2::timestamptz, $3::timestamptz, $4::bigint, $5::bigint, $6::text, $7::text, $8::bigint, $9::timestamptz)`;

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

  /** Whether the code's changes are broken down per event (the others: inbound_enterprise_count, unit.fund_landed_count). */
  static supports(code: string, scope: string): boolean {
    if (scope === 'city') return code in FACT_KPIS || code === 'outbound_activity_count' || code === 'fund_invested_count';
    return code in UNIT_FACT_KPIS;
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
    if (query.code === 'outbound_activity_count' || query.code === 'fund_invested_count') {
      const results = await this.kpis.city({ period: query.period, asOf, now: asOf });
      return results.find((r) => r.code === query.code)?.actual ?? null;
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
    return this.factContributions(query);
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
    // Each facts row opened in the window against the row it replaced (rows of no length, superseded within their millisecond, are skipped).
    const { rows } = await this.pool.query(
      `WITH ${TYPED_PARAMS}, x AS (
         SELECT n.project_id, n.valid_from,
                (${after.num}) - coalesce((${prior.num}), 0) AS num_delta,
                ${den ? `(${after.den}) - coalesce((${prior.den}), 0)` : '0'} AS den_delta
           FROM ${s}.project_facts n
           LEFT JOIN ${s}.project_facts p ON p.project_id = n.project_id AND p.valid_to = n.valid_from AND p.valid_from < p.valid_to
          WHERE n.valid_from > $3 AND n.valid_from <= $9 AND (n.valid_to IS NULL OR n.valid_to > n.valid_from)
       )
       SELECT DISTINCT ON (x.project_id, x.valid_from) x.project_id, x.num_delta, x.den_delta,
              e.event_id, e.type, e.position, e.recorded_at, e.occurred_at, e.actor
         FROM x JOIN events e ON e.stream_id = 'project-' || x.project_id
                             AND e.recorded_at >= x.valid_from AND e.recorded_at < x.valid_from + interval '1 millisecond'
                             AND e.type = ANY($10::text[])
        WHERE x.num_delta <> 0 OR x.den_delta <> 0
        ORDER BY x.project_id, x.valid_from, e.position DESC`,
      [...this.params(query), FACT_EVENT_TYPES],
    );
    rows.sort((a, b) => Number(a.position) - Number(b.position));
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
      `SELECT e.event_id, e.type, e.position, e.recorded_at, e.occurred_at, e.actor, NULL AS project_id
         FROM ${quoteIdent(this.schema)}.activities a JOIN events e ON e.stream_id = 'activity-' || a.activity_id AND e.version = 1
        WHERE a.kind = 'outbound' AND a.occurred_at >= $1 AND a.occurred_at < $2 AND a.recorded_at > $3 AND a.recorded_at <= $4
        ORDER BY e.position`,
      [start, end, query.from, query.to],
    );
    return rows.map((r) => contribution(r, 1));
  }

  /** Projects with a municipal fund investment in the period: the first one recorded adds one. */
  private async fundContributions(query: KpiChangesQuery): Promise<Contribution[]> {
    const { start, end } = countedWindow({ period: query.period }, this.reference.timezone);
    const { rows } = await this.pool.query(
      `WITH first AS (
         SELECT DISTINCT ON (project_id) project_id, recorded_at FROM ${quoteIdent(this.schema)}.fund_investments
          WHERE municipal AND occurred_at >= $1 AND occurred_at < $2 ORDER BY project_id, recorded_at
       )
       SELECT DISTINCT ON (f.project_id) f.project_id, e.event_id, e.type, e.position, e.recorded_at, e.occurred_at, e.actor
         FROM first f JOIN events e ON e.stream_id = 'project-' || f.project_id AND e.type = 'FundInvestmentMade'
                                   AND e.recorded_at >= f.recorded_at AND e.recorded_at < f.recorded_at + interval '1 millisecond'
        WHERE f.recorded_at > $3 AND f.recorded_at <= $4
        ORDER BY f.project_id, e.position`,
      [start, end, query.from, query.to],
    );
    rows.sort((a, b) => Number(a.position) - Number(b.position));
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
