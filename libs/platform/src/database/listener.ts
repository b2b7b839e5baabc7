import type { Pool, PoolClient } from 'pg';

/**
 * A LISTEN on one channel that survives the database: when its connection is lost (or cannot
 * be had), it connects again every `retryMs`, for as long as it runs. Whoever relies on it
 * also polls, so a notification missed while it reconnects costs a poll interval, no more.
 */
export class Listener {
  private client: PoolClient | null = null;
  private running = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly channel: string,
    private readonly onNotification: () => void,
    private readonly retryMs = 1_000,
  ) {}

  /** Starts listening in the background; resolves at once. */
  start(): void {
    this.running = true;
    void this.connect();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.drop();
  }

  get listening(): boolean {
    return this.client !== null;
  }

  private async connect(): Promise<void> {
    this.timer = null;
    if (!this.running || this.client) return;
    let client: PoolClient | null = null;
    try {
      client = await this.pool.connect();
      client.on('notification', this.onNotification);
      client.on('error', () => this.lost(client!));
      await client.query(`LISTEN "${this.channel}"`);
      if (!this.running) return client.release();
      this.client = client;
    } catch {
      client?.release(new Error('listener connection failed'));
      this.retryLater();
    }
  }

  private lost(client: PoolClient): void {
    if (this.client !== client) return;
    this.drop();
    this.retryLater();
  }

  private retryLater(): void {
    if (this.running && !this.timer) this.timer = setTimeout(() => void this.connect(), this.retryMs);
  }

  private drop(): void {
    const client = this.client;
    this.client = null;
    // Destroyed rather than given back: its session holds a LISTEN, or its connection is gone.
    client?.release(new Error('listener stopped'));
  }
}
