import { randomUUID } from 'node:crypto';
import { STREAM_DOES_NOT_EXIST } from '@event-driven-io/emmett';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import type { Pool } from 'pg';
import { PostgresEventStore, type StreamAppend } from '@app/event-store';
import { inParallel } from './stats';

/**
 * Appends to an event store from Node, three ways, on the same database and the same
 * events: straight multi-row INSERTs (the physical limit), our event store, and Emmett's
 * PostgreSQL event store. Each returns events per second.
 */

/** Fresh stream ids, so that every run appends new streams. */
const renamed = (streams: readonly StreamAppend[]): StreamAppend[] =>
  streams.map((s) => ({ ...s, streamId: `${s.streamId.split('-')[0]}-${randomUUID()}` }));

const count = (streams: readonly StreamAppend[]) => streams.reduce((n, s) => n + s.events.length, 0);

/** The same rows as `events`, inserted 1,000 per statement with no checks: what PostgreSQL itself allows from Node. */
export async function baselineInsert(pool: Pool, streams: readonly StreamAppend[], concurrency: number): Promise<number> {
  await pool.query('CREATE TABLE IF NOT EXISTS bench_baseline_events (LIKE events INCLUDING ALL)');
  const rows = renamed(streams).flatMap((s) =>
    s.events.map(
      (e, i) =>
        [randomUUID(), e.type, s.streamId, i + 1, e.occurredAt, e.schemaVersion, JSON.stringify(e.actor), JSON.stringify(e.data)] as const,
    ),
  );
  const chunks: (typeof rows)[] = [];
  for (let i = 0; i < rows.length; i += 1000) chunks.push(rows.slice(i, i + 1000));
  const started = performance.now();
  await inParallel(chunks, concurrency, async (chunk) => {
    await pool.query(
      `INSERT INTO bench_baseline_events (event_id, type, stream_id, version, occurred_at, recorded_at, schema_version, actor, data)
       SELECT e.event_id, e.type, e.stream_id, e.version, e.occurred_at, clock_timestamp(), e.schema_version, e.actor, e.data
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::timestamptz[], $6::smallint[], $7::jsonb[], $8::jsonb[])
              AS e(event_id, type, stream_id, version, occurred_at, schema_version, actor, data)`,
      [0, 1, 2, 3, 4, 5, 6, 7].map((c) => chunk.map((r) => r[c])),
    );
  });
  return rows.length / ((performance.now() - started) / 1000);
}

/** Our event store: one append per stream (all its events), `concurrency` at a time. */
export async function oursAppend(pool: Pool, streams: readonly StreamAppend[], concurrency: number): Promise<number> {
  const store = new PostgresEventStore(pool);
  const fresh = renamed(streams);
  const started = performance.now();
  await inParallel(fresh, concurrency, async (stream) => {
    await store.append([stream]);
  });
  return count(fresh) / ((performance.now() - started) / 1000);
}

/** Emmett's PostgreSQL event store, the same appends at the same concurrency. */
export async function peerAppend(connectionString: string, streams: readonly StreamAppend[], concurrency: number): Promise<number> {
  const store = getPostgreSQLEventStore(connectionString, { schema: { autoMigration: 'CreateOrUpdate' } });
  try {
    await store.appendToStream(`warmup-${randomUUID()}`, [{ type: 'Warmup', data: {} }]);
    const fresh = renamed(streams);
    const started = performance.now();
    await inParallel(fresh, concurrency, async (stream) => {
      await store.appendToStream(
        stream.streamId,
        stream.events.map((e) => ({
          type: e.type,
          data: e.data as Record<string, unknown>,
          metadata: { occurredAt: e.occurredAt, actor: e.actor },
        })),
        { expectedStreamVersion: STREAM_DOES_NOT_EXIST },
      );
    });
    return count(fresh) / ((performance.now() - started) / 1000);
  } finally {
    await store.close();
  }
}
