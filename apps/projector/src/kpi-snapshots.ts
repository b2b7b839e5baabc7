import type { Producer } from 'kafkajs';
import type { Period } from '@app/domain';
import type { Logger } from '@app/platform';
import type { KpiQueries, KpiResult } from '@app/read-models';

/**
 * Publishes KPI results to the compacted snapshot topic, keyed `<code>|<scope>|<period>`,
 * whenever one changes: after events were applied it recomputes the plan year's year and
 * quarter reports (city and units) at most every `intervalMs` (KPI_SNAPSHOT_INTERVAL_MS) and sends those that differ
 * from what it sent last. After a restart it sends everything once; compaction keeps the latest.
 */
export class KpiSnapshots {
  private readonly sent = new Map<string, string>();
  private dirty = true;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly kpis: KpiQueries,
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly year: number,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (this.dirty && !this.running) this.running = this.publish().finally(() => (this.running = null));
    }, this.intervalMs);
  }

  markDirty(): void {
    this.dirty = true;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  async publish(): Promise<number> {
    this.dirty = false;
    const now = new Date();
    const periods: Period[] = [
      { kind: 'year', year: this.year },
      ...([1, 2, 3, 4] as const).map((quarter) => ({ kind: 'quarter' as const, year: this.year, quarter })),
    ];
    const results: KpiResult[] = [];
    try {
      for (const period of periods) {
        results.push(...(await this.kpis.city({ period, asOf: null, now })), ...(await this.kpis.units({ period, asOf: null, now })));
      }
      const changed = results
        .map((r) => ({ key: `${r.code}|${r.scope}|${r.period}`, value: JSON.stringify(r) }))
        .filter(({ key, value }) => this.sent.get(key) !== value);
      if (changed.length > 0) {
        await this.producer.send({ topic: this.topic, acks: -1, messages: changed });
        for (const { key, value } of changed) this.sent.set(key, value);
      }
      return changed.length;
    } catch (error) {
      this.dirty = true;
      this.logger.warn({ err: error }, 'KPI snapshots not published; will retry');
      return 0;
    }
  }
}
