import type { Pool } from 'pg';
import { LeaseLost, type Lease } from './lease';

/** How far a named reader of the store got (position of the last event it handled). */
export class Checkpoints {
  constructor(private readonly pool: Pool) {}

  async load(name: string): Promise<number> {
    const { rows } = await this.pool.query('SELECT position FROM checkpoints WHERE name = $1', [name]);
    return rows.length === 0 ? 0 : Number(rows[0].position);
  }

  /** Stores the checkpoint; with a lease, only while the lease is still ours (else LeaseLost, nothing stored). */
  async store(name: string, position: number, lease?: Lease): Promise<void> {
    const fence = lease?.fence(3);
    const { rowCount } = await this.pool.query(
      `INSERT INTO checkpoints (name, position) SELECT $1, $2 ${fence ? `WHERE ${fence.sql}` : ''}
       ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = now()`,
      [name, position, ...(fence?.params ?? [])],
    );
    if (lease && rowCount !== 1) throw new LeaseLost(lease.name);
  }
}
