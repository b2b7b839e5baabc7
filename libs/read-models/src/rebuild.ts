import type { Pool, PoolClient } from 'pg';
import type { ReferenceCatalog } from '@app/domain';
import { PostgresEventStore } from '@app/event-store';
import { biViewsSql } from './bi-views';
import { applyEvents } from './projection';
import { LIVE_SCHEMA, PROJECTION_LOCK, readModelSchemaSql } from './schema';

export const PROJECTIONS = ['read-models'] as const;

const NEXT_SCHEMA = 'rm_next';
const OLD_SCHEMA = 'rm_old';

export interface RebuildProgress {
  readonly events: number;
  readonly position: number;
}

/**
 * Rebuilds the read models from the event store into a fresh schema while the live one
 * keeps answering, then swaps it in: the last events are applied and the schemas renamed
 * in one transaction that holds the projection lock exclusively, so the projector pauses
 * only for that moment and no reader ever sees a half-built table.
 */
export async function rebuildReadModels(
  pool: Pool,
  reference: ReferenceCatalog,
  options: { chunkSize?: number; onProgress?: (p: RebuildProgress) => void } = {},
): Promise<RebuildProgress> {
  const chunkSize = options.chunkSize ?? 5000;
  const store = new PostgresEventStore(pool);
  await pool.query(`DROP SCHEMA IF EXISTS ${NEXT_SCHEMA} CASCADE`);
  await pool.query(readModelSchemaSql(NEXT_SCHEMA));

  let position = 0;
  let events = 0;
  /**
   * Applies the store from `position` on, chunk by chunk; the next chunk is read (on another
   * connection) while the current one is written. With `chunkTransactions` each chunk
   * commits on its own; without, they join the caller's transaction.
   */
  let analyzeAt = chunkSize;
  const applyRest = async (client: PoolClient, chunkTransactions: boolean): Promise<void> => {
    let next = store.readAll(position, chunkSize);
    for (;;) {
      const chunk = await next;
      if (chunk.length === 0) return;
      const last = chunk[chunk.length - 1].position;
      next = chunk.length === chunkSize ? store.readAll(last, chunkSize) : Promise.resolve([]);
      next.catch(() => undefined); // awaited on the next turn; if this chunk fails, nobody will
      if (chunkTransactions) await client.query('BEGIN');
      await applyEvents(client, NEXT_SCHEMA, chunk, reference);
      if (chunkTransactions) await client.query('COMMIT');
      position = last;
      events += chunk.length;
      if (chunkTransactions && events >= analyzeAt) {
        await analyzeSchema(client, NEXT_SCHEMA, ROUGH_STATISTICS);
        analyzeAt *= 2;
      }
      options.onProgress?.({ events, position });
    }
  };

  const client = await pool.connect();
  try {
    // The bulk, in short transactions.
    await applyRest(client, true);
    // Readers of the swapped-in schema get plans from its real sizes from the first query on.
    await analyzeSchema(client, NEXT_SCHEMA);
    // The tail and the swap, with the projector paused.
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [PROJECTION_LOCK]);
    await applyRest(client, false);
    await client.query(`ALTER SCHEMA ${LIVE_SCHEMA} RENAME TO ${OLD_SCHEMA}`);
    await client.query(`ALTER SCHEMA ${NEXT_SCHEMA} RENAME TO ${LIVE_SCHEMA}`);
    await client.query(biViewsSql());
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  // Readers that started on the old tables finish first: the drop waits for their locks.
  await pool.query(`DROP SCHEMA IF EXISTS ${OLD_SCHEMA} CASCADE`);
  return { events, position };
}

/** A sample of 3,000 rows a table: enough for the row counts the rebuild's own statements are planned by. */
const ROUGH_STATISTICS = 10;

/**
 * Statistics for the fresh tables. Taken roughly each time they have doubled, so that the
 * planner does not keep its guesses for empty tables (closing a chunk's facts by a hash join
 * over every open fact, for one); in full before the swap, for the readers.
 */
async function analyzeSchema(client: PoolClient, schema: string, statisticsTarget?: number): Promise<void> {
  const { rows } = await client.query(`SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables WHERE schemaname = $1`, [schema]);
  if (statisticsTarget !== undefined) await client.query(`SET default_statistics_target = ${statisticsTarget}`);
  try {
    await client.query(`ANALYZE ${rows.map((r) => r.name).join(', ')}`);
  } finally {
    if (statisticsTarget !== undefined) await client.query('RESET default_statistics_target');
  }
}
