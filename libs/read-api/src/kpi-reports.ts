import { periodLabel, type Period } from '@app/domain';
import type { KpiQueries, KpiResult, ProjectionWatermark } from '@app/read-models';

interface Report {
  /** Every event up to this position is counted. */
  readonly position: number;
  readonly computedAt: number;
  readonly results: KpiResult[];
}

/**
 * The current KPI reports, kept in memory: a request is answered from the last report of its
 * scope and period while that is younger than `maxAgeMs` (an older one is answered too, and
 * refreshed in the background), unless it asks for a position the report does not cover yet;
 * then it waits for a fresh one. One computation per report at a time, however many ask.
 * `asOf` reports are never cached here: they are computed on demand.
 */
export class KpiReports {
  private readonly reports = new Map<string, Report>();
  private readonly computing = new Map<string, Promise<Report>>();

  constructor(
    private readonly kpis: KpiQueries,
    private readonly watermark: ProjectionWatermark,
    private readonly maxAgeMs = 1000,
  ) {}

  async current(scope: 'city' | 'units', period: Period, minPosition = 0): Promise<Report> {
    const key = `${scope}|${periodLabel(period)}`;
    const report = this.reports.get(key);
    if (report && report.position >= minPosition) {
      if (Date.now() - report.computedAt > this.maxAgeMs) void this.compute(key, scope, period).catch(() => undefined);
      return report;
    }
    const fresh = await this.compute(key, scope, period);
    return fresh.position >= minPosition ? fresh : this.compute(key, scope, period, true);
  }

  private compute(key: string, scope: 'city' | 'units', period: Period, again = false): Promise<Report> {
    const running = this.computing.get(key);
    if (running && !again) return running;
    const computation = (async () => {
      const position = await this.watermark.position();
      const now = new Date();
      const results =
        scope === 'city' ? await this.kpis.city({ period, asOf: null, now }) : await this.kpis.units({ period, asOf: null, now });
      const report = { position, computedAt: now.getTime(), results };
      const known = this.reports.get(key);
      if (!known || known.position <= position) this.reports.set(key, report);
      return report;
    })().finally(() => {
      if (this.computing.get(key) === computation) this.computing.delete(key);
    });
    this.computing.set(key, computation);
    return computation;
  }
}
