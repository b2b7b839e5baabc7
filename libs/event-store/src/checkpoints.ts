import type { Pool } from 'pg';

/** How far a named reader of the store got (position of the last event it handled). */
export class Checkpoints {
  constructor(private readonly pool: Pool) {}

  async load(name: string): Promise<number> {
    const { rows } = await this.pool.query('SELECT position FROM checkpoints WHERE name = $1', [name]);
    return rows.length === 0 ? 0 : Number(rows[0].position);
  }

  async store(name: string, position: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO checkpoints (name, position) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = now()`,
      [name, position],
    );
  }
}
