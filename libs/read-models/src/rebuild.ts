import type { Pool, PoolClient } from 'pg';
import type { ReferenceCatalog } from '@app/domain';
import { PostgresEventStore, type EventEnvelope } from '@app/event-store';
import { biViewsSql } from './bi-views';
import { BulkLoad, prepareEvents, writeRemembered } from './projection';
import { LIVE_SCHEMA, PROJECTION_LOCK, quoteIdent, readModelIndexesSql, readModelTablesSql } from './schema';

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
  await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(NEXT_SCHEMA)} CASCADE`);
  await pool.query(readModelTablesSql(NEXT_SCHEMA));

  let position = 0;
  let events = 0;
  const read = async (after: number): Promise<EventEnvelope[]> =>
    (await store.readAllAsJson(after, chunkSize)).map((event) => JSON.parse(event.json) as EventEnvelope);
  /**
   * Applies the store from `position` on, chunk by chunk: the next chunk is read (on another
   * connection) and folded while the current one is written. With `bulk`, as a bulk load, each
   * chunk in its own transaction; without, in the caller's transaction.
   */
  const applyRest = async (client: PoolClient, bulk?: BulkLoad): Promise<void> => {
    const chunkTransactions = bulk !== undefined;
    let next = read(position);
    let writing: Promise<unknown> = Promise.resolve();
    try {
      for (;;) {
        const chunk = await next;
        if (chunk.length === 0) break;
        const last = chunk[chunk.length - 1].position;
        next = chunk.length === chunkSize ? read(last) : Promise.resolve([]);
        next.catch(() => undefined); // awaited on the next turn; if this chunk fails, nobody will
        // Without a bulk load the chunk reads the schema: after the writes before it.
        if (!bulk) await writing;
        const prepared = await prepareEvents(client, NEXT_SCHEMA, chunk, reference, bulk);
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
        options.onProgress?.({ events, position });
      }
    } finally {
      await writing;
    }
  };

  const client = await pool.connect();
  try {
    // The bulk, in short transactions, then what it kept in memory; indexes once the rows are in.
    const bulk = new BulkLoad();
    await applyRest(client, bulk);
    await writeRemembered(pool, NEXT_SCHEMA, bulk);
    await client.query(readModelIndexesSql(NEXT_SCHEMA));
    // Readers of the swapped-in schema get plans from its real sizes from the first query on.
    await analyzeSchema(client, NEXT_SCHEMA);
    // The tail and the swap, with the projector paused.
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [PROJECTION_LOCK]);
    await applyRest(client);
    await client.query(`ALTER SCHEMA ${quoteIdent(LIVE_SCHEMA)} RENAME TO ${quoteIdent(OLD_SCHEMA)}`);
    await client.query(`ALTER SCHEMA ${quoteIdent(NEXT_SCHEMA)} RENAME TO ${quoteIdent(LIVE_SCHEMA)}`);
    await client.query(biViewsSql());
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  // Readers that started on the old tables finish first: the drop waits for their locks.
  await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(OLD_SCHEMA)} CASCADE`);
  return { events, position };
}

/** Statistics for the fresh tables before the swap, so that the readers' first plans fit their sizes. */
async function analyzeSchema(client: PoolClient, schema: string): Promise<void> {
  const { rows } = await client.query(`SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables WHERE schemaname = $1`, [
    schema,
  ]);
  await client.query(`ANALYZE ${rows.map((r) => r.name).join(', ')}`);
}
