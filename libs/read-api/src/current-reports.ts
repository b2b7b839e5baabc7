import { LruMap } from '@app/platform';
import type { ProjectionWatermark } from '@app/read-models';

export interface Report<T> {
  /** Every event up to this position is counted. */
  readonly position: number;
  readonly computedAt: number;
  readonly value: T;
}

interface Kept<T> extends Report<T> {
  /** When the read models were last seen at `position` still (the report then still held). */
  checkedAt: number;
}

/**
 * The current reports of the read side (KPI reports, trend, breakdowns, stalled projects),
 * kept in memory by key: a request is answered from the last report of its key; one older
 * than `maxAgeMs` is answered too, and revalidated in the background — recomputed when the
 * read models have moved since (or after `maxUnchangedMs` anyway: a status depends on the
 * time elapsed, stalled projects on today), else only marked checked, so a quiet system does
 * not recompute what cannot have changed. A request that asks for a position the report does
 * not cover waits for a fresh one. One computation per key at a time, however many ask.
 * Reports as recorded at `asOf` are never kept here: they are computed on demand.
 */
export class CurrentReports {
  /** Bounded: the parameters' combinations are many, the ones people look at few. */
  private readonly reports = new LruMap<string, Kept<unknown>>(1000);
  private readonly computing = new Map<string, Promise<Kept<unknown>>>();

  constructor(
    private readonly watermark: ProjectionWatermark,
    private readonly maxAgeMs = 1000,
    private readonly maxUnchangedMs = 60_000,
  ) {}

  async current<T>(key: string, minPosition: number, compute: (now: Date) => Promise<T>): Promise<Report<T>> {
    const report = this.reports.get(key) as Kept<T> | undefined;
    if (report && report.position >= minPosition) {
      if (Date.now() - report.checkedAt > this.maxAgeMs) void this.revalidate(key, report, compute).catch(() => undefined);
      return report;
    }
    const fresh = await this.compute(key, compute);
    return fresh.position >= minPosition ? fresh : this.compute(key, compute, true);
  }

  private async revalidate<T>(key: string, report: Kept<T>, compute: (now: Date) => Promise<T>): Promise<void> {
    report.checkedAt = Date.now();
    const position = await this.watermark.position();
    if (position !== report.position || Date.now() - report.computedAt > this.maxUnchangedMs) await this.compute(key, compute);
  }

  private compute<T>(key: string, compute: (now: Date) => Promise<T>, again = false): Promise<Kept<T>> {
    const running = this.computing.get(key) as Promise<Kept<T>> | undefined;
    if (running && !again) return running;
    const computation = (async () => {
      const position = await this.watermark.position();
      const now = new Date();
      const report: Kept<T> = { position, computedAt: now.getTime(), checkedAt: now.getTime(), value: await compute(now) };
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
