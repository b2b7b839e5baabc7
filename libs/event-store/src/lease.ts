import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Pool } from 'pg';

/** This holder's lease was taken over (it stopped renewing in time): it must stop acting as leader. */
export class LeaseLost extends Error {
  constructor(name: string) {
    super(`the lease ${name} is held by another process now`);
  }
}

/**
 * Leadership that moves on when its holder stops, crashes or freezes (contract §6). A session
 * advisory lock would not: a frozen process keeps its connection, and the lock with it. A
 * lease is a row with a deadline that the holder renews as it makes progress; once it has
 * passed, another process may take it, and the row's `token` grows with every new holder.
 * Writes that only the leader may make check the token in the same statement (fencing), so
 * a holder that wakes up after losing the lease can change nothing.
 */
export class Lease {
  /** Who holds it: host, process and a random part (two instances in one process differ). */
  readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private token: number | null = null;
  /** Local clock (ms) of the last renewal's sending: renewed again once a third of the ttl has passed. */
  private renewedAt = 0;

  constructor(
    private readonly pool: Pool,
    readonly name: string,
    readonly ttlMs: number,
  ) {}

  /** Takes the lease when it is free or expired (or ours); false while another holder's lease runs. */
  async acquire(): Promise<boolean> {
    const sentAt = Date.now();
    const { rows } = await this.pool.query(
      `INSERT INTO leases (name, holder, token, expires_at) VALUES ($1, $2, 1, now() + $3 * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE
         SET holder = excluded.holder, expires_at = excluded.expires_at,
             token = CASE WHEN leases.holder = excluded.holder THEN leases.token ELSE leases.token + 1 END
         WHERE leases.holder = excluded.holder OR leases.expires_at < now()
       RETURNING token`,
      [this.name, this.holder, this.ttlMs],
    );
    if (rows.length === 0) return false;
    this.token = Number(rows[0].token);
    this.renewedAt = sentAt;
    return true;
  }

  /** Renews the lease when a third of its time has passed; throws LeaseLost when another holder has it. */
  async keep(): Promise<void> {
    if (this.token === null) throw new LeaseLost(this.name);
    if (Date.now() - this.renewedAt < this.ttlMs / 3) return;
    const sentAt = Date.now();
    const { rowCount } = await this.pool.query(
      `UPDATE leases SET expires_at = now() + $4 * interval '1 millisecond'
        WHERE name = $1 AND holder = $2 AND token = $3 AND expires_at > now()`,
      [this.name, this.holder, this.token, this.ttlMs],
    );
    if (rowCount !== 1) {
      this.token = null;
      throw new LeaseLost(this.name);
    }
    this.renewedAt = sentAt;
  }

  /** The SQL condition (with its parameters from `first`) that holds only while this lease is ours. */
  fence(first: number): { sql: string; params: unknown[] } {
    return {
      sql: `EXISTS (SELECT 1 FROM leases WHERE name = $${first} AND holder = $${first + 1} AND token = $${first + 2} AND expires_at > now())`,
      params: [this.name, this.holder, this.token ?? -1],
    };
  }

  /** Gives the lease up at once, so a standby need not wait for it to expire. */
  async release(): Promise<void> {
    if (this.token === null) return;
    const token = this.token;
    this.token = null;
    await this.pool.query('UPDATE leases SET expires_at = now() WHERE name = $1 AND holder = $2 AND token = $3', [
      this.name,
      this.holder,
      token,
    ]);
  }

  /** Forget the lease locally (after an error that leaves its state unknown). */
  forget(): void {
    this.token = null;
  }
}
