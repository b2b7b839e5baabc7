import type { Pool } from 'pg';
import type { Logger } from '@app/platform';

/** How often answers past their retention are looked for. */
const PURGE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Idempotency answers are kept IDEMPOTENCY_RETENTION_DAYS (contract §6), then deleted: a client
 * retries within minutes, and the table would otherwise grow with every keyed command ever
 * written. Runs beside the relay, the write side's background process.
 */
export class IdempotencyRetention {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly retentionDays: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const round = () => void this.purge().catch((error) => this.logger.warn({ err: error }, 'idempotency purge failed'));
    round();
    this.timer = setInterval(round, PURGE_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Deletes the answers older than the retention; returns how many. */
  async purge(): Promise<number> {
    const { rowCount } = await this.pool.query(`DELETE FROM idempotency_keys WHERE created_at < now() - $1 * interval '1 day'`, [
      this.retentionDays,
    ]);
    if (rowCount) this.logger.info({ purged: rowCount, retentionDays: this.retentionDays }, 'idempotency answers purged');
    return rowCount ?? 0;
  }
}
