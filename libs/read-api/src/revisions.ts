import type { Pool } from 'pg';
import { periodLabel, type Period } from '@app/domain';
import type { Actor } from '@app/event-store';
import { LruMap } from '@app/platform';
import { LIVE_SCHEMA, quoteIdent, type KpiQueries, type KpiResult } from '@app/read-models';

/** A KPI result with what was reported at the period's close and what has moved since (contract §9). */
export type RevisedResult = KpiResult & { readonly reported: number | null; readonly restated: number | null };

/** A close of a period, as the plan's stream holds it. */
export interface CloseRecord {
  readonly period: string;
  /** The store's last committed position when it was closed. */
  readonly closedPosition: number;
  readonly closedAt: string;
  readonly reason: string | null;
  readonly eventId: string;
  readonly position: number;
  readonly recordedAt: string;
  readonly actor: Actor;
}

/**
 * Reported and restated figures: for a closed period, `reported` is the KPI over the events up
 * to the close's position — the as-of report at the close's record time (the close is stored
 * right after that position, and positions and record times rise together: the store stamps
 * each event under its append lock) — computed once per close and kept; `restated` is
 * `actual − reported`. Both null for a period not closed, for a year to date, and for a report
 * as of before the close. The closes are read from their read model (rm.period_closes).
 */
export class Revisions {
  private readonly reported = new LruMap<string, Promise<Map<string, number | null>>>(200);

  constructor(
    private readonly pool: Pool,
    private readonly kpis: KpiQueries,
    private readonly schema: string = LIVE_SCHEMA,
  ) {}

  /** The closes of a year's periods, in the order they were recorded. */
  async closes(year: number): Promise<CloseRecord[]> {
    const { rows } = await this.pool.query(
      `SELECT period, closed_position, occurred_at, reason, event_id, position, recorded_at, actor
         FROM ${quoteIdent(this.schema)}.period_closes WHERE year = $1 ORDER BY position`,
      [year],
    );
    return rows.map((r) => ({
      period: r.period,
      closedPosition: Number(r.closed_position),
      closedAt: (r.occurred_at as Date).toISOString(),
      reason: r.reason,
      eventId: r.event_id,
      position: Number(r.position),
      recordedAt: (r.recorded_at as Date).toISOString(),
      actor: r.actor,
    }));
  }

  async revise(
    scope: 'city' | 'units',
    period: Period,
    results: readonly KpiResult[],
    options: { asOf: Date | null; yearToDate: boolean },
  ): Promise<RevisedResult[]> {
    const close = options.yearToDate ? undefined : await this.closeOf(period);
    const counted = close !== undefined && (options.asOf === null || options.asOf.getTime() >= Date.parse(close.recordedAt));
    if (!counted) return results.map((r) => ({ ...r, reported: null, restated: null }));
    return this.reviseAgainst(close, scope, { period }, results);
  }

  /**
   * The close that covers a month's figures, its own and those of the year to its end (contract
   * §8, the monthly report): the month's own close, else its quarter's, else its year's.
   */
  async coveringClose(year: number, month: number): Promise<CloseRecord | undefined> {
    const closes = await this.closes(year);
    const quarter = Math.ceil(month / 3) as 1 | 2 | 3 | 4;
    const candidates: Period[] = [
      { kind: 'month', year, month },
      { kind: 'quarter', year, quarter },
      { kind: 'year', year },
    ];
    for (const period of candidates) {
      const close = closes.find((c) => c.period === periodLabel(period));
      if (close) return close;
    }
    return undefined;
  }

  /**
   * Results of a report (the period, cut at `until` for a year to date) against a given close:
   * `reported` is the same report over the events up to the close's position.
   */
  async reviseAgainst(
    close: CloseRecord | undefined,
    scope: 'city' | 'units',
    report: { period: Period; until?: Date },
    results: readonly KpiResult[],
  ): Promise<RevisedResult[]> {
    if (!close) return results.map((r) => ({ ...r, reported: null, restated: null }));
    const reported = await this.reportedAt(scope, report.period, close, report.until);
    return results.map((r) => {
      const was = reported.get(`${r.scope}|${r.code}`) ?? null;
      return { ...r, reported: was, restated: was === null || r.actual === null ? null : r.actual - was };
    });
  }

  /** The record time a closed period's report counts up to (null when it is not closed). */
  async closedAsOf(period: Period): Promise<Date | null> {
    const close = await this.closeOf(period);
    return close ? new Date(Date.parse(close.recordedAt)) : null;
  }

  /** A period is closed once (the plan's decider refuses a second close). */
  private async closeOf(period: Period): Promise<CloseRecord | undefined> {
    const label = periodLabel(period);
    return (await this.closes(period.year)).find((c) => c.period === label);
  }

  /** The report at the close, by `scope|code`: computed once per close, scope and report. */
  private reportedAt(scope: 'city' | 'units', period: Period, close: CloseRecord, until?: Date): Promise<Map<string, number | null>> {
    const key = `${close.eventId}|${scope}|${periodLabel(period)}|${until?.toISOString() ?? ''}`;
    let report = this.reported.get(key);
    if (!report) {
      report = (async () => {
        const asOf = new Date(Date.parse(close.recordedAt));
        const query = { period, asOf, now: asOf, until };
        const results = scope === 'city' ? await this.kpis.city(query) : await this.kpis.units(query);
        return new Map(results.map((r) => [`${r.scope}|${r.code}`, r.actual]));
      })();
      report.catch(() => this.reported.delete(key));
      this.reported.set(key, report);
    }
    return report;
  }
}
