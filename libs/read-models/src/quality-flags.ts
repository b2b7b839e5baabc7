import type { Pool } from 'pg';
import {
  DEFAULT_QUALITY_THRESHOLDS,
  duplicateClaims,
  streamFlags,
  type ClosedPeriod,
  type LoggedEvent,
  type QualityFlag,
  type QualityRule,
  type QualityThresholds,
} from '@app/domain';
import type { ReferenceData } from '@app/reference-data';
import { validity } from './kpis';
import { LIVE_SCHEMA, quoteIdent } from './schema';

export interface QualityQuery {
  readonly asOf: Date | null;
  readonly rule?: QualityRule;
  readonly unit?: string;
  /** A flag's period, or a year that holds it (`2025` finds `2025-Q1`). */
  readonly period?: string;
  readonly cursor?: string;
  readonly limit: number;
}

const LATE_TYPES = ['ProjectSigned', 'ProjectStarted', 'FundInvestmentMade', 'VisitRecorded', 'ActivityHeld', 'ProjectCorrected'];

/**
 * The quality flags of contract §9, derived from the log as it had been recorded at `asOf`
 * (now when null): the streams that can raise a flag — those with a correction, and those with
 * an event after the first close — are read and run through the domain's rules; duplicate
 * claims come from the projects' facts as recorded then. Nobody files a flag, nobody can lose one.
 */
export class QualityFlags {
  constructor(
    private readonly pool: Pool,
    private readonly reference: ReferenceData,
    private readonly schema: string = LIVE_SCHEMA,
  ) {}

  private thresholds(): QualityThresholds {
    return { ...DEFAULT_QUALITY_THRESHOLDS, ...this.reference.plan.quality };
  }

  /** A page of the flags (`all`: the flags as of the query's time when already known). */
  async list(
    query: QualityQuery,
    all?: readonly QualityFlag[],
  ): Promise<{ items: Array<Omit<QualityFlag, 'position'>>; nextCursor: string | null }> {
    all ??= await this.all(query.asOf);
    const [afterPosition, afterId] = query.cursor
      ? [Number(query.cursor.split('_')[0]), query.cursor.slice(query.cursor.indexOf('_') + 1)]
      : [-1, ''];
    const chosen = all!.filter(
      (f) =>
        (!query.rule || f.rule === query.rule) &&
        (!query.unit || f.units.includes(query.unit)) &&
        (!query.period || f.period === query.period || f.period.startsWith(`${query.period}-`)) &&
        (f.position > afterPosition || (f.position === afterPosition && f.id > afterId)),
    );
    const page = chosen.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      items: page.map(({ position: _position, ...flag }) => flag),
      nextCursor: chosen.length > query.limit ? `${last.position}_${last.id}` : null,
    };
  }

  /** Every flag as of `asOf`, by first event position. */
  async all(asOf: Date | null): Promise<QualityFlag[]> {
    const recorded = asOf === null ? 'TRUE' : 'recorded_at <= $1';
    const params = asOf === null ? [] : [asOf];
    const { rows: closeRows } = await this.pool.query(
      `SELECT data->>'period' AS period, (data->>'position')::bigint AS position FROM events WHERE type = 'PeriodClosed' AND ${recorded}`,
      params,
    );
    const closes: ClosedPeriod[] = closeRows.map((r) => ({ period: r.period, position: Number(r.position) }));
    const firstClose = closes.length === 0 ? null : Math.min(...closes.map((c) => c.position));
    const { rows: streams } = await this.pool.query(
      `SELECT DISTINCT stream_id FROM events
        WHERE ${recorded} AND stream_id NOT LIKE 'plan-%'
          AND (type = 'ProjectCorrected' ${firstClose === null ? '' : `OR (position > ${firstClose} AND type = ANY('{${LATE_TYPES.join(',')}}'::text[]))`})`,
      params,
    );
    const flags: QualityFlag[] = [];
    if (streams.length > 0) {
      const { rows } = await this.pool.query(
        `SELECT event_id, type, stream_id, position, occurred_at, data FROM events
          WHERE stream_id = ANY($${params.length + 1}::text[]) AND ${recorded} ORDER BY stream_id, version`,
        [...params, streams.map((s) => s.stream_id)],
      );
      const byStream = new Map<string, LoggedEvent[]>();
      for (const r of rows) {
        const event = {
          eventId: r.event_id,
          type: r.type,
          position: Number(r.position),
          occurredAt: (r.occurred_at as Date).toISOString(),
          data: r.data,
        };
        const list = byStream.get(r.stream_id);
        if (list) list.push(event);
        else byStream.set(r.stream_id, [event]);
      }
      for (const events of byStream.values()) flags.push(...streamFlags(events, closes, this.thresholds(), this.reference.timezone));
    }
    flags.push(...(await this.duplicates(asOf)));
    return flags.sort((a, b) => a.position - b.position || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Signed projects whose investor, chain and year are shared with another unit's, with their signing events. */
  private async duplicates(asOf: Date | null): Promise<QualityFlag[]> {
    const s = quoteIdent(this.schema);
    const { rows } = await this.pool.query(
      `WITH signed AS (
         SELECT f.project_id, f.unit, f.investor_key, f.chain, f.signed_at, f.stage,
                extract(year FROM f.signed_at AT TIME ZONE $1)::int AS year
           FROM ${s}.project_facts f
          WHERE ${validity(asOf)} AND f.signed_at IS NOT NULL AND f.stage <> 'dropped'
       ), shared AS (
         SELECT year, investor_key, chain FROM signed GROUP BY 1, 2, 3 HAVING count(DISTINCT unit) > 1
       )
       SELECT s.project_id, s.unit, s.investor_key, s.chain, s.signed_at, e.event_id, e.position, $3::timestamptz AS as_of
         FROM signed s JOIN shared USING (year, investor_key, chain)
         JOIN events e ON e.stream_id = 'project-' || s.project_id AND e.type = $2`,
      // $3 is the record time the facts are read at (see validity).
      [this.reference.timezone, 'ProjectSigned', asOf ?? new Date()],
    );
    return duplicateClaims(
      rows.map((r) => ({
        projectId: r.project_id,
        unit: r.unit,
        investorKey: r.investor_key,
        chain: r.chain,
        signedAt: (r.signed_at as Date).toISOString(),
        dropped: false,
        signedEventId: r.event_id,
        signedPosition: Number(r.position),
      })),
      this.reference.timezone,
    );
  }
}
