import type { Pool } from 'pg';
import { PostgresEventStore } from '@app/event-store';
import { LIVE_SCHEMA, quoteIdent } from './schema';

export interface ProjectionStatus {
  readonly name: string;
  /** Every event with a position up to this one is applied. */
  readonly position: number;
  readonly lagEvents: number;
  /** How long the oldest event not yet applied has been waiting (0 when none). */
  readonly lagMs: number;
}

/**
 * How far the read models are: the highest position n such that every stored event up to n
 * is applied (or dead-lettered). Found by looking for the first event after the last known
 * mark whose stream version the projection has not reached, so it works whatever order the
 * Kafka partitions were consumed in.
 */
export class ProjectionWatermark {
  private mark = 0;
  /** The highest head seen: positions up to it exist, so a target within it needs no new look. */
  private knownHead = 0;
  private readonly store: PostgresEventStore;

  constructor(
    private readonly pool: Pool,
    private readonly schema: string = LIVE_SCHEMA,
  ) {
    this.store = new PostgresEventStore(pool);
  }

  /**
   * Advances the mark as far as `upTo` allows, never past the head of the store (a position
   * not handed out yet cannot be known to be applied), and returns it.
   */
  async position(upTo?: number): Promise<number> {
    const head = upTo !== undefined && upTo <= this.knownHead ? this.knownHead : await this.head();
    const target = upTo === undefined ? head : Math.min(upTo, head);
    if (target <= this.mark) return this.mark;
    const { rows } = await this.pool.query(
      // Walks the events in position order and probes each one's stream, stopping at the first
      // not applied: a join would let the planner hash the whole streams table on every call.
      `SELECT e.position FROM events e
        WHERE e.position > $1 AND e.position <= $2
          AND e.version > coalesce((SELECT s.version FROM ${quoteIdent(this.schema)}.streams s WHERE s.stream_id = e.stream_id), 0)
          AND NOT EXISTS (SELECT 1 FROM ${quoteIdent(this.schema)}.dead_letters d WHERE d.position = e.position)
        ORDER BY e.position LIMIT 1`,
      [this.mark, target],
    );
    this.mark = rows.length === 0 ? target : Number(rows[0].position) - 1;
    return this.mark;
  }

  /** Forget the mark (after a rebuild swapped in other tables). */
  reset(): void {
    this.mark = 0;
  }

  async status(name = 'read-models'): Promise<ProjectionStatus> {
    const position = await this.position();
    const head = this.knownHead;
    let lagMs = 0;
    if (position < head) {
      const { rows } = await this.pool.query('SELECT recorded_at FROM events WHERE position > $1 ORDER BY position LIMIT 1', [position]);
      if (rows.length > 0) lagMs = Math.max(0, Date.now() - (rows[0].recorded_at as Date).getTime());
    }
    return { name, position, lagEvents: head - position, lagMs };
  }

  /** The latest event recorded by `asOf` (position and record time), or null when nothing had been recorded yet. */
  async lastRecorded(asOf: Date): Promise<{ position: number; recordedAt: string } | null> {
    const { rows } = await this.pool.query(
      'SELECT position, recorded_at FROM events WHERE recorded_at <= $1 ORDER BY recorded_at DESC, position DESC LIMIT 1',
      [asOf],
    );
    return rows.length === 0 ? null : { position: Number(rows[0].position), recordedAt: (rows[0].recorded_at as Date).toISOString() };
  }

  /** The last position the store has handed out. */
  async head(): Promise<number> {
    this.knownHead = Math.max(this.knownHead, await this.store.headPosition());
    return this.knownHead;
  }
}
