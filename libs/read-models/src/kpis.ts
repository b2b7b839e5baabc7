import type { Pool } from 'pg';
import { CITY_KPI_CODES, UNIT_KPI_CODES, elapsedShare, periodBounds, periodLabel, type Period, type UnitKind } from '@app/domain';

export { CITY_KPI_CODES, UNIT_KPI_CODES } from '@app/domain';
import { fileTargetOf, targetsOf, type Plan, type ReferenceData } from '@app/reference-data';
import { kpiStatus, type KpiStatus } from './kpi-status';
import { LIVE_SCHEMA, quoteIdent } from './schema';

/** One KPI result (contract §3). */
export interface KpiResult {
  readonly code: string;
  readonly label: string;
  readonly scope: string;
  readonly period: string;
  readonly actual: number | null;
  readonly target: number | null;
  readonly comparator: '>=' | '>' | null;
  readonly progress: number | null;
  /** null when the plan sets no target for the period. */
  readonly status: KpiStatus | null;
  /** Where the target in force comes from: the targets file's entry, then each change recorded by `asOf` (contract §9). */
  readonly targetHistory: readonly TargetHistoryEntry[];
}

export interface TargetHistoryEntry {
  readonly target: number | null;
  readonly comparator: '>=' | '>' | null;
  /** `{kind: 'system', id: 'targets-file'}` for the file's entry. */
  readonly actor: { readonly kind: string; readonly id: string };
  readonly actorName: string | null;
  readonly reason: string | null;
  /** When the change was recorded (null for the file's entry). */
  readonly recordedAt: string | null;
}

/** A TargetChanged event of the plan's stream, as the reports read it. */
interface TargetChangeRecord extends TargetHistoryEntry {
  readonly code: string;
  readonly scope: string;
  readonly period: string;
}

const FILE_ACTOR = { kind: 'system', id: 'targets-file' } as const;

/** Labels of the results the plan sets no target for (the targets file labels the others). */
const UNTARGETED_LABELS: Readonly<Record<string, string>> = { 'unit.signed_total_wan': '签约额合计(万元)' };

/** Share KPIs: their status is only met or behind. */
const SHARE_KPIS = new Set(['emerging_future_share']);

/** Unit kinds that carry unit KPIs (contract §3: zones and districts). */
const UNIT_KPI_KINDS: readonly UnitKind[] = ['zone', 'district'];

/** A column of a project's facts row, as a query names it (`f.signed_at`, or bare in a CTE). */
export type FactColumn = (name: string) => string;

const signedIn = (c: FactColumn) => `(${c('signed_at')} >= $1 AND ${c('signed_at')} < $2)`;
const startedIn = (c: FactColumn) => `(${c('started_at')} >= $1 AND ${c('started_at')} < $2)`;
const count = (condition: string) => `CASE WHEN ${condition} THEN 1 ELSE 0 END`;
const amount = (condition: string, column: string) => `CASE WHEN ${condition} THEN ${column} ELSE 0 END`;
const hasChannel = (c: FactColumn, channel: string) => `'${channel}' = ANY(${c('channels')})`;

/**
 * The city KPIs that are sums over projects of what each one's facts contribute (a share: the
 * sum of `num` over the sum of `den`), as SQL over one facts row; $1, $2 are the period's
 * bounds, $4 the share's and $5 the major projects' amount thresholds, $6 the science city's
 * unit. One definition for the report and for what moved it (kpi-changes.ts).
 */
export const FACT_KPIS: Readonly<Record<string, (c: FactColumn) => { num: string; den?: string }>> = {
  signed_total_wan: (c) => ({ num: amount(signedIn(c), c('signed_wan')) }),
  started_total_wan: (c) => ({ num: amount(startedIn(c), c('started_wan')) }),
  fund_signed_count: (c) => ({ num: count(`${signedIn(c)} AND ${hasChannel(c, 'fund')}`) }),
  intermediary_signed_count: (c) => ({ num: count(`${signedIn(c)} AND ${hasChannel(c, 'intermediary')}`) }),
  university_signed_count: (c) => ({ num: count(`${signedIn(c)} AND ${hasChannel(c, 'university')}`) }),
  'region_signed_count.jjj': (c) => ({ num: count(`${signedIn(c)} AND ${c('origin_region')} = 'jjj'`) }),
  'region_signed_count.yrd': (c) => ({ num: count(`${signedIn(c)} AND ${c('origin_region')} = 'yrd'`) }),
  'region_signed_count.gba': (c) => ({ num: count(`${signedIn(c)} AND ${c('origin_region')} = 'gba'`) }),
  industry_chain_signed_wan: (c) => ({ num: amount(`${signedIn(c)} AND ${hasChannel(c, 'industry_chain')}`, c('signed_wan')) }),
  research_institute_count: (c) => ({ num: count(`${signedIn(c)} AND ${hasChannel(c, 'research_institute')}`) }),
  emerging_future_share: (c) => ({
    num: count(`${signedIn(c)} AND ${c('industrial')} AND ${c('signed_wan')} >= $4 AND ${c('sector')} IN ('emerging', 'future')`),
    den: count(`${signedIn(c)} AND ${c('industrial')} AND ${c('signed_wan')} >= $4`),
  }),
  major_emerging_signed_count: (c) => ({
    num: count(`${signedIn(c)} AND ${c('signed_wan')} >= $5 AND ${c('sector')} IN ('emerging', 'future')`),
  }),
  park_vc_signed_count: (c) => ({ num: count(`${signedIn(c)} AND ${hasChannel(c, 'park_vc')}`) }),
  park_vc_signed_wan: (c) => ({ num: amount(`${signedIn(c)} AND ${hasChannel(c, 'park_vc')}`, c('signed_wan')) }),
  sci_city_signed_count: (c) => ({ num: count(`${signedIn(c)} AND ${c('unit')} = $6`) }),
};

/**
 * The unit KPIs that are sums over the unit's projects of what each one's facts contribute,
 * as SQL over one facts row; `mega` names the unit kind's amount threshold.
 */
export const UNIT_FACT_KPIS: Readonly<Record<string, (c: FactColumn, mega: string) => string>> = {
  'unit.mega_signed_count': (c, mega) => count(`${signedIn(c)} AND ${c('signed_wan')} >= ${mega}`),
  'unit.industry_chain_signed_count': (c) => count(`${signedIn(c)} AND ${hasChannel(c, 'industry_chain')}`),
  'unit.signed_total_wan': (c) => amount(signedIn(c), c('signed_wan')),
};

/** What a KPI query reads: the live read models now, or as recorded by `asOf`. */
export interface KpiQuery {
  readonly period: Period;
  readonly asOf: Date | null;
  readonly now: Date;
  /**
   * Counts only business times before this instant (year to date: the plan's year to a month's
   * end) and judges progress by the share of the period elapsed then; the period's end when absent.
   */
  readonly until?: Date;
}

/** One month of the trend: amounts signed and started in it, and since the year's start. */
export interface TrendMonth {
  readonly month: string;
  readonly signedWan: number;
  readonly startedWan: number;
  readonly signedCumulativeWan: number;
  readonly startedCumulativeWan: number;
}

/** The business-time window a query counts: the period, cut at `until`. */
export function countedWindow(query: Pick<KpiQuery, 'period' | 'until'>, timeZone: string): { start: Date; end: Date } {
  const { start, end } = periodBounds(query.period, timeZone);
  return { start, end: query.until && query.until < end ? new Date(Math.max(query.until.getTime(), start.getTime())) : end };
}

/**
 * The facts valid at the instant $3 of record time; the open rows when current. The two
 * forms give the same rows for $3 = now; the first one uses the partial indexes.
 */
export const validity = (asOf: Date | null) =>
  asOf === null ? 'f.valid_to IS NULL' : 'f.valid_from <= $3 AND (f.valid_to IS NULL OR f.valid_to > $3)';

const recordedBy = (asOf: Date | null, column: string) => (asOf === null ? 'TRUE' : `${column} <= $3`);

export class KpiQueries {
  constructor(
    private readonly pool: Pool,
    private readonly reference: ReferenceData,
    private readonly schema: string = LIVE_SCHEMA,
  ) {}

  async city(query: KpiQuery): Promise<KpiResult[]> {
    const { start, end } = countedWindow(query, this.reference.timezone);
    const thresholds = this.thresholds();
    const params = [
      start,
      end,
      query.asOf ?? query.now,
      thresholds.emergingShareMinSignedWan,
      thresholds.majorEmergingSignedWan,
      thresholds.sciCityUnit,
    ];
    const s = this.schema;
    const { rows } = await this.pool.query(
      `WITH f AS (
         SELECT f.* FROM ${s}.project_facts f
          WHERE ${validity(query.asOf)} AND ((f.signed_at >= $1 AND f.signed_at < $2) OR (f.started_at >= $1 AND f.started_at < $2))
       )
       SELECT
         $3::timestamptz AS as_of,
         ${Object.entries(FACT_KPIS)
           .map(([code, kpi]) => {
             const { num, den } = kpi((column) => column);
             return `coalesce(sum(${num}), 0) AS "${code}"${den ? `, coalesce(sum(${den}), 0) AS "${code}.base"` : ''}`;
           })
           .join(',\n         ')},
         (SELECT count(DISTINCT fi.project_id) FROM ${s}.fund_investments fi
           WHERE fi.municipal AND fi.occurred_at >= $1 AND fi.occurred_at < $2 AND ${recordedBy(query.asOf, 'fi.recorded_at')}) AS fund_invested_count,
         (SELECT count(*) FROM ${s}.activities a
           WHERE a.kind = 'outbound' AND a.occurred_at >= $1 AND a.occurred_at < $2 AND ${recordedBy(query.asOf, 'a.recorded_at')}) AS outbound_activity_count,
         (SELECT count(DISTINCT f.investor_key)
            FROM (SELECT DISTINCT v.project_id FROM ${s}.visits v
                   WHERE v.direction = 'inbound' AND v.occurred_at >= $1 AND v.occurred_at < $2 AND ${recordedBy(query.asOf, 'v.recorded_at')}) v
            JOIN ${s}.project_facts f ON f.project_id = v.project_id AND ${validity(query.asOf)}) AS inbound_enterprise_count
       FROM f`,
      params,
    );
    const row = rows[0];
    const actual = (code: string): number | null => {
      if (!(`${code}.base` in row)) return Number(row[code]);
      const base = Number(row[`${code}.base`]);
      return base === 0 ? null : Number(row[code]) / base;
    };
    const changes = await this.targetChanges(query);
    return CITY_KPI_CODES.map((code) => this.result(code, 'city', actual(code), query, changes));
  }

  async units(query: KpiQuery): Promise<KpiResult[]> {
    const { start, end } = countedWindow(query, this.reference.timezone);
    const mega = this.thresholds().megaSignedWan;
    const units = [...this.reference.units].filter(([, u]) => UNIT_KPI_KINDS.includes(u.kind));
    const { rows } = await this.pool.query(
      `SELECT f.unit, $3::timestamptz AS as_of,
              ${Object.entries(UNIT_FACT_KPIS)
                .map(([code, kpi]) => `coalesce(sum(${kpi((column) => `f.${column}`, 'u.mega')}), 0) AS "${code}"`)
                .join(',\n              ')},
              count(*) FILTER (WHERE EXISTS (SELECT 1 FROM ${quoteIdent(this.schema)}.fund_investments fi
                                              WHERE fi.project_id = f.project_id AND ${recordedBy(query.asOf, 'fi.recorded_at')})) AS "unit.fund_landed_count"
         FROM ${quoteIdent(this.schema)}.project_facts f
         JOIN unnest($4::text[], $5::bigint[]) AS u(unit, mega) ON u.unit = f.unit
        WHERE ${validity(query.asOf)} AND f.signed_at >= $1 AND f.signed_at < $2
        GROUP BY f.unit`,
      [start, end, query.asOf ?? query.now, units.map(([code]) => code), units.map(([, u]) => mega[u.kind] ?? null)],
    );
    const byUnit = new Map(rows.map((r) => [r.unit as string, r]));
    const changes = await this.targetChanges(query);
    return units.flatMap(([code]) =>
      UNIT_KPI_CODES.map((kpi) => this.result(kpi, code, Number(byUnit.get(code)?.[kpi] ?? 0), query, changes)),
    );
  }

  /**
   * The year month by month (Asia/Shanghai): Σ signedAmountWan of the projects signed and Σ
   * startedInvestmentWan of those started in each month, and both since the year's start — of
   * the city, or of one unit — from the current state or as recorded at `asOf`.
   */
  async trend(query: { year: number; unit: string | null; asOf: Date | null; now: Date }): Promise<TrendMonth[]> {
    const { start, end } = periodBounds({ kind: 'year', year: query.year }, this.reference.timezone);
    const { rows } = await this.pool.query(
      `SELECT extract(month FROM m.at AT TIME ZONE $4)::int AS month, $3::timestamptz AS as_of,
              coalesce(sum(m.wan) FILTER (WHERE m.stage = 'signed'), 0)  AS signed_wan,
              coalesce(sum(m.wan) FILTER (WHERE m.stage = 'started'), 0) AS started_wan
         FROM ${quoteIdent(this.schema)}.project_facts f
        CROSS JOIN LATERAL (VALUES ('signed', f.signed_at, f.signed_wan), ('started', f.started_at, f.started_wan)) AS m(stage, at, wan)
        WHERE ${validity(query.asOf)} AND ($5::text IS NULL OR f.unit = $5)
          AND ((f.signed_at >= $1 AND f.signed_at < $2) OR (f.started_at >= $1 AND f.started_at < $2))
          AND m.at >= $1 AND m.at < $2
        GROUP BY 1, 2`,
      [start, end, query.asOf ?? query.now, this.reference.timezone, query.unit],
    );
    const byMonth = new Map(rows.map((r) => [r.month as number, r]));
    let signedCumulativeWan = 0;
    let startedCumulativeWan = 0;
    return Array.from({ length: 12 }, (_, i) => {
      const row = byMonth.get(i + 1);
      const signedWan = Number(row?.signed_wan ?? 0);
      const startedWan = Number(row?.started_wan ?? 0);
      signedCumulativeWan += signedWan;
      startedCumulativeWan += startedWan;
      return {
        month: periodLabel({ kind: 'month', year: query.year, month: i + 1 }),
        signedWan,
        startedWan,
        signedCumulativeWan,
        startedCumulativeWan,
      };
    });
  }

  /** The target changes of the plan's year recorded by the query's record time, in order, with who made them. */
  private async targetChanges(query: KpiQuery): Promise<TargetChangeRecord[]> {
    const { rows } = await this.pool.query(
      `SELECT t.code, t.scope, t.period, t.target, t.comparator, t.reason, t.actor, t.recorded_at, coalesce(p.display_name, k.name) AS actor_name
         FROM ${quoteIdent(this.schema)}.target_changes t
         LEFT JOIN people p ON p.id::text = t.actor->>'id'
         LEFT JOIN api_keys k ON k.id::text = t.actor->>'id'
        WHERE t.year = $1 AND t.recorded_at <= $2
        ORDER BY t.position`,
      [query.period.year, query.asOf ?? query.now],
    );
    return rows.map((r) => ({
      code: r.code,
      scope: r.scope,
      period: r.period,
      target: r.target,
      comparator: r.comparator,
      actor: r.actor,
      actorName: r.actor_name ?? null,
      reason: r.reason,
      recordedAt: (r.recorded_at as Date).toISOString(),
    }));
  }

  private result(code: string, scope: string, actual: number | null, query: KpiQuery, changes: readonly TargetChangeRecord[]): KpiResult {
    const period = periodLabel(query.period);
    const targets = targetsOf(this.reference, scope);
    const definition = fileTargetOf(this.reference, scope, code, query.period);
    const label =
      definition?.label ??
      targets.find((t) => t.code === code && t.period === 'year')?.label ??
      targets.find((t) => t.code === code)?.label ??
      UNTARGETED_LABELS[code] ??
      code;
    const targetHistory: TargetHistoryEntry[] = [
      ...(definition
        ? [
            {
              target: definition.target,
              comparator: definition.comparator,
              actor: FILE_ACTOR,
              actorName: null,
              reason: null,
              recordedAt: null,
            },
          ]
        : []),
      ...changes
        .filter((c) => c.code === code && c.scope === scope && c.period === period)
        .map(({ code: _code, scope: _scope, period: _period, ...entry }) => entry),
    ];
    const inForce = targetHistory[targetHistory.length - 1];
    const target = inForce?.target ?? null;
    const comparator = target === null ? null : (inForce?.comparator ?? '>=');
    const progress = target === null || actual === null || target === 0 ? null : actual / target;
    let status: KpiStatus | null = null;
    if (target !== null) {
      const met = actual !== null && (comparator === '>=' ? actual >= target : actual > target);
      const at = query.asOf ?? query.now;
      const elapsed = elapsedShare(query.period, this.reference.timezone, query.until && query.until < at ? query.until : at);
      status = kpiStatus({ met, progress, elapsed, isShare: SHARE_KPIS.has(code) });
    }
    return { code, label, scope, period, actual, target, comparator, progress, status, targetHistory };
  }

  private thresholds(): {
    megaSignedWan: Partial<Record<UnitKind, number>>;
    emergingShareMinSignedWan: number;
    majorEmergingSignedWan: number;
    sciCityUnit: string;
  } {
    const t = this.reference.plan.thresholds as Plan['thresholds'] & Record<string, unknown>;
    return {
      megaSignedWan: (t.megaSignedWan ?? {}) as Partial<Record<UnitKind, number>>,
      emergingShareMinSignedWan: Number(t.emergingShareMinSignedWan ?? 10_000),
      majorEmergingSignedWan: Number(t.majorEmergingSignedWan ?? 100_000),
      sciCityUnit: String(t.sciCityUnit ?? 'zz-sci-city'),
    };
  }
}
