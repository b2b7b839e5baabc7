import type { Pool } from 'pg';
import { periodLabel, planStreamId, type PeriodClosed, type Period } from '@app/domain';
import { PostgresEventStore, type EventEnvelope } from '@app/event-store';
import { LruMap } from '@app/platform';
import type { KpiQueries, KpiResult } from '@app/read-models';

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
  readonly actor: EventEnvelope['actor'];
}

/**
 * Reported and restated figures: for a closed period, `reported` is the KPI over the events up
 * to the close's position — the as-of report at that event's record time (positions and
 * record times rise together: the store stamps each event under its append lock) — computed
 * once per close and kept; `restated` is `actual − reported`. Both null for a period not
 * closed, for a year to date, and for a report as of before the close.
 */
export class Revisions {
  private readonly store: PostgresEventStore;
  private readonly reported = new LruMap<string, Promise<Map<string, number | null>>>(200);

  constructor(
    private readonly pool: Pool,
    private readonly kpis: KpiQueries,
  ) {
    this.store = new PostgresEventStore(pool);
  }

  /** The closes of a year's periods, in the order they were recorded. */
  async closes(year: number): Promise<CloseRecord[]> {
    const events = await this.store.readStream(planStreamId(year));
    return events
      .filter((e) => e.type === 'PeriodClosed')
      .map((e) => {
        const data = e.data as PeriodClosed['data'];
        return {
          period: data.period,
          closedPosition: data.position,
          closedAt: e.occurredAt,
          reason: data.reason ?? null,
          eventId: e.eventId,
          position: e.position,
          recordedAt: e.recordedAt,
          actor: e.actor,
        };
      });
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
    return close ? this.recordedAtPosition(close.closedPosition) : null;
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
        const asOf = await this.recordedAtPosition(close.closedPosition);
        const query = { period, asOf, now: new Date(Date.parse(close.recordedAt)), until };
        const results = scope === 'city' ? await this.kpis.city(query) : await this.kpis.units(query);
        return new Map(results.map((r) => [`${r.scope}|${r.code}`, r.actual]));
      })();
      report.catch(() => this.reported.delete(key));
      this.reported.set(key, report);
    }
    return report;
  }

  /** When the event at a position was recorded (the epoch for position 0: nothing counted). */
  private async recordedAtPosition(position: number): Promise<Date> {
    if (position === 0) return new Date(0);
    const { rows } = await this.pool.query('SELECT recorded_at FROM events WHERE position <= $1 ORDER BY position DESC LIMIT 1', [
      position,
    ]);
    return rows.length === 0 ? new Date(0) : (rows[0].recorded_at as Date);
  }
}
