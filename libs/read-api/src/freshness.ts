import type { Pool } from 'pg';
import { ApiError, Listener } from '@app/platform';
import { PROJECTION_APPLIED_CHANNEL, ProjectionWatermark } from '@app/read-models';

/**
 * Read-your-writes: `minPosition=n` waits until the read models have applied every event up
 * to n, waking on the projector's notifications, and gives up after `timeoutMs` with 503.
 */
export class Freshness {
  readonly watermark: ProjectionWatermark;
  private readonly listener: Listener;
  private waiters = new Set<() => void>();
  private stopped = false;
  private reading: Promise<number> | null = null;

  constructor(
    pool: Pool,
    private readonly timeoutMs: number,
  ) {
    this.watermark = new ProjectionWatermark(pool);
    this.listener = new Listener(pool, PROJECTION_APPLIED_CHANNEL, () => this.wakeAll());
  }

  /** Listens in the background: the query API starts, and answers 503, while the database is away. */
  start(): void {
    this.listener.start();
  }

  /** Nest calls it when the application closes. */
  onModuleDestroy(): void {
    this.stop();
  }

  stop(): void {
    this.stopped = true;
    this.wakeAll();
    this.listener.stop();
  }

  /**
   * Returns the position reached (≥ minPosition), or throws 503 once the wait is over. A
   * position the store has not handed out yet answers 400 `unknown_position` at once: no
   * write can be waited for there, and waiting would only hold the request.
   */
  async require(minPosition: number | undefined): Promise<number> {
    if (minPosition === undefined) return this.watermark.position();
    const head = await this.watermark.head();
    if (minPosition > head) {
      throw ApiError.of(400, 'unknown_position', `position ${minPosition} is beyond the store's last position ${head}`, [
        { field: 'minPosition', message: `must be at most ${head}, the last position stored` },
      ]);
    }
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const reached = await this.watermark.position(minPosition);
      if (reached >= minPosition) return reached;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw ApiError.unavailable(`the read models reached position ${reached}, not ${minPosition}; retry`, 1, { position: reached });
      }
      await this.nextNotification(Math.min(left, 250));
    }
  }

  /**
   * Long polling for pages that follow the read models: answers the position reached as soon
   * as it passes `after`, or the same position once `waitMs` is over.
   */
  async beyond(after: number, waitMs: number): Promise<number> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const reached = await this.sharedPosition();
      const left = deadline - Date.now();
      if (reached > after || left <= 0 || this.stopped) return reached;
      // Notifications wake it at once; the timer only covers one lost while the listener reconnects.
      await this.nextNotification(Math.min(left, 1000));
    }
  }

  /** The watermark, read once for every long poll woken by the same notification. */
  private sharedPosition(): Promise<number> {
    this.reading ??= this.watermark.position().finally(() => (this.reading = null));
    return this.reading;
  }

  private nextNotification(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  private wakeAll(): void {
    for (const wake of [...this.waiters]) wake();
  }
}
