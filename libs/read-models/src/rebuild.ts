import type { Pool, PoolClient } from 'pg';
import type { ReferenceCatalog } from '@app/domain';
import { PostgresEventStore, type EventEnvelope } from '@app/event-store';
import { biViewsSql } from './bi-views';
import { ProjectionMemory, prepareEvents } from './projection';
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
  options: { chunkSize?: number; memoryStreams?: number; onProgress?: (p: RebuildProgress) => void } = {},
): Promise<RebuildProgress> {
  const chunkSize = options.chunkSize ?? 5000;
  const store = new PostgresEventStore(pool);
  await pool.query(`DROP SCHEMA IF EXISTS ${NEXT_SCHEMA} CASCADE`);
  await pool.query(readModelSchemaSql(NEXT_SCHEMA));

  let position = 0;
  let events = 0;
  let analyzeAt = chunkSize;
  // The rebuild is the only writer of its schema: what it folded stays in memory, not read back.
  const memory = new ProjectionMemory(options.memoryStreams ?? 1_000_000);
  const read = async (after: number): Promise<EventEnvelope[]> =>
    (await store.readAllAsJson(after, chunkSize)).map((event) => JSON.parse(event.json) as EventEnvelope);
  /**
   * Applies the store from `position` on, chunk by chunk: the next chunk is read (on another
   * connection) and folded while the current one is written. With `chunkTransactions` each
   * chunk commits on its own; without, they join the caller's transaction.
   */
  const applyRest = async (client: PoolClient, chunkTransactions: boolean): Promise<void> => {
    let next = read(position);
    let writing: Promise<unknown> = Promise.resolve();
    try {
      for (;;) {
        const chunk = await next;
        if (chunk.length === 0) break;
        const last = chunk[chunk.length - 1].position;
        next = chunk.length === chunkSize ? read(last) : Promise.resolve([]);
        next.catch(() => undefined); // awaited on the next turn; if this chunk fails, nobody will
        // Reads of the schema (only for what memory forgot) must come after the writes before them.
        if (!memory.knowsAbsence()) await writing;
        const prepared = await prepareEvents(client, NEXT_SCHEMA, chunk, reference, memory);
        const previous = writing;
        writing = (async () => {
          await previous;
          if (chunkTransactions) await client.query('BEGIN');
          await prepared.write();
          if (chunkTransactions) await client.query('COMMIT');
        })();
        writing.catch(() => undefined); // awaited on the next turn
        await previous;
        position = last;
        events += chunk.length;
        if (chunkTransactions && events >= analyzeAt) {
          await writing;
          await analyzeSchema(client, NEXT_SCHEMA, ROUGH_STATISTICS);
          analyzeAt *= 2;
        }
        options.onProgress?.({ events, position });
      }
    } finally {
      await writing;
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
