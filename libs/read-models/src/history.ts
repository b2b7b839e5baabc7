import type { Pool } from 'pg';
import { isUuid } from '@app/domain';
import { PostgresEventStore, type EventEnvelope } from '@app/event-store';

/**
 * A stream's events with their envelopes, in order, from the event store itself — a history is
 * the log, so it reads the log (like rebuild and the watermark; every report reads the read
 * models) — each with `actorName`: the display name of the person, or the name of the API key,
 * who wrote it.
 */
export async function streamHistory(pool: Pool, streamId: string): Promise<Array<EventEnvelope & { actorName: string | null }>> {
  const events = await new PostgresEventStore(pool).readStream(streamId);
  const ids = [...new Set(events.map((e) => e.actor.id).filter(isUuid))];
  const names = new Map<string, string>();
  if (ids.length > 0) {
    const { rows } = await pool.query(
      `SELECT id::text AS id, display_name AS name FROM people WHERE id = ANY($1::uuid[])
       UNION ALL SELECT id::text, name FROM api_keys WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    for (const row of rows) names.set(row.id, row.name);
  }
  return events.map((event) => ({ ...event, actorName: names.get(event.actor.id) ?? null }));
}

/**
 * The stream each event belongs to, from the log: an event named by a derived read (a flag, a
 * contribution) is placed in its project's or activity's history, whose current unit the read
 * models then give.
 */
export async function streamsOfEvents(pool: Pool, eventIds: readonly string[]): Promise<Map<string, string>> {
  if (eventIds.length === 0) return new Map();
  const { rows } = await pool.query('SELECT event_id, stream_id FROM events WHERE event_id = ANY($1::uuid[])', [eventIds]);
  return new Map(rows.map((r) => [r.event_id as string, r.stream_id as string]));
}
