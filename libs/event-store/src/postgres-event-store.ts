import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { EventStore } from './event-store';
import { CommitOutcomeUnknown, StreamVersionConflict, type EventEnvelope, type SerializedEvent, type StreamAppend } from './envelope';

/**
 * Every append takes this transaction-scoped advisory lock just before it inserts and holds
 * it until commit. Positions are therefore handed out in commit order: when a reader sees
 * position n, every position below n is committed or will never exist, so following
 * `position > checkpoint` never skips an event that commits late. The lock covers only the
 * insert and the commit; loading and deciding happen before it, in parallel.
 */
const APPEND_LOCK = 7_301_002;

/** Channel notified (on commit) after every append, with the last position; readers wake on it. */
export const EVENTS_CHANNEL = 'investment_events';

const COLUMNS = `event_id, type, stream_id, version, position, occurred_at, recorded_at, schema_version, actor, data`;

export class PostgresEventStore implements EventStore {
  constructor(private readonly pool: Pool) {}

  async readStream(streamId: string): Promise<EventEnvelope[]> {
    return (await this.readStreams([streamId])).get(streamId) ?? [];
  }

  /** The events of several streams in one query, each in version order. */
  async readStreams(streamIds: readonly string[]): Promise<Map<string, EventEnvelope[]>> {
    const streams = new Map<string, EventEnvelope[]>();
    if (streamIds.length === 0) return streams;
    // One index range per stream, whatever the planner thinks of a long ANY(...) list.
    const { rows } = await this.pool.query(
      `SELECT e.* FROM unnest($1::text[]) AS s(id)
         CROSS JOIN LATERAL (SELECT ${COLUMNS} FROM events WHERE stream_id = s.id ORDER BY version) AS e`,
      [[...new Set(streamIds)]],
    );
    for (const row of rows) {
      const event = toEnvelope(row);
      const list = streams.get(event.streamId);
      if (list) list.push(event);
      else streams.set(event.streamId, [event]);
    }
    return streams;
  }

  /** The current version of each stream that exists (an index-only look-up, no payloads). */
  async streamVersions(streamIds: readonly string[]): Promise<Map<string, number>> {
    const client = await this.pool.connect();
    try {
      return await currentVersions(client, streamIds);
    } finally {
      client.release();
    }
  }

  /**
   * Appends to one or more streams in one transaction: all or nothing. A stream that is not
   * at its expected version fails the whole append with StreamVersionConflict and writes
   * nothing. `withinTransaction` runs in the same transaction after the insert (for records
   * that must commit together with the events, e.g. idempotency answers).
   *
   * Appends without `withinTransaction` are committed in groups: while one transaction
   * commits, the appends that arrive queue up and go together in the next one, each still
   * all or nothing. Commits are serialized by the append lock, so grouping is what lets
   * concurrent writers share a commit (and its disk flush).
   */
  async append(
    appends: readonly StreamAppend[],
    withinTransaction?: (client: PoolClient, stored: readonly EventEnvelope[]) => Promise<void>,
  ): Promise<EventEnvelope[]> {
    const rows = flatten(appends);
    if (withinTransaction) return this.appendAlone(appends, rows, withinTransaction);
    if (rows.length === 0) return [];
    return new Promise((resolve, reject) => {
      this.queue.push({ appends, rows, resolve, reject, settled: false });
      void this.commitQueued();
    });
  }

  private readonly queue: QueuedAppend[] = [];
  private committing = false;

  private async commitQueued(): Promise<void> {
    if (this.committing) return;
    this.committing = true;
    try {
      while (this.queue.length > 0) {
        const group: QueuedAppend[] = [];
        let size = 0;
        while (this.queue.length > 0 && (group.length === 0 || size + this.queue[0].rows.length <= MAX_GROUP_ROWS)) {
          const next = this.queue.shift()!;
          size += next.rows.length;
          group.push(next);
        }
        await this.commitGroup(group);
      }
    } finally {
      this.committing = false;
    }
  }

  /**
   * One transaction for a group: versions checked under the lock, conflicting appends refused,
   * the rest inserted together. When the transaction fails for another reason, no member is
   * failed for it yet: each is committed again on its own, so that only the append that
   * caused the failure fails, never the others that shared its commit.
   */
  private async commitGroup(group: readonly QueuedAppend[]): Promise<void> {
    let client: PoolClient | null = null;
    let committing: readonly Row[] | null = null;
    try {
      client = await this.pool.connect();
      await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${APPEND_LOCK})`);
      const actual = await currentVersions(
        client,
        group.flatMap((q) => q.appends.map((a) => a.streamId)),
      );
      const accepted: QueuedAppend[] = [];
      for (const queued of group) {
        const stale = queued.appends.find((a) => (actual.get(a.streamId) ?? 0) !== a.expectedVersion);
        if (stale) {
          queued.settled = true;
          queued.reject(new StreamVersionConflict(stale.streamId, stale.expectedVersion, actual.get(stale.streamId) ?? 0));
          continue;
        }
        for (const a of queued.appends) actual.set(a.streamId, a.expectedVersion + a.events.length);
        accepted.push(queued);
      }
      const rows = accepted.flatMap((q) => q.rows);
      const stored = accepted.length === 0 ? [] : await insert(client, rows);
      const last = stored.length === 0 ? null : stored[stored.length - 1].position;
      committing = rows;
      await client.query(last === null ? 'COMMIT' : `SELECT pg_notify('${EVENTS_CHANNEL}', '${last}'); COMMIT`);
      resolveAll(accepted, stored);
    } catch (error) {
      await client?.query('ROLLBACK').catch(() => undefined);
      if (client) releaseAfterFailure(client, error);
      client = null;
      const unsettled = group.filter((q) => !q.settled);
      if (committing !== null && committing.length > 0) {
        await this.storedDespiteFailure(committing, error).then(
          (stored) => resolveAll(unsettled, stored),
          (failure: unknown) => unsettled.forEach((q) => q.reject(failure)),
        );
      } else if (group.length > 1) {
        for (const queued of unsettled) await this.commitGroup([queued]);
      } else {
        unsettled.forEach((q) => q.reject(error));
      }
    } finally {
      client?.release();
    }
  }

  /**
   * After a COMMIT that failed (the connection was lost while it was sent): the rows' events as
   * stored when it took effect all the same; else throws `cause` (nothing was written), or
   * CommitOutcomeUnknown when the database cannot be asked within a few seconds.
   *
   * The look-up runs under the append lock. The lost transaction held that lock, and the server
   * may still be committing it after the client saw the connection fail: without the lock the
   * look-up could run first, answer "nothing written", and the commit land just after.
   * Holding the lock means the old transaction has ended, one way or the other.
   */
  private async storedDespiteFailure(rows: readonly Row[], cause: unknown): Promise<EventEnvelope[]> {
    const deadline = Date.now() + 5_000;
    for (let delay = 100; ; delay = Math.min(delay * 2, 1_000)) {
      let assigned: Record<string, unknown>[];
      try {
        assigned = await this.lookUpUnderAppendLock(
          rows.map((r) => r.eventId),
          Math.max(deadline - Date.now(), 100),
        );
      } catch {
        if (Date.now() + delay > deadline) throw new CommitOutcomeUnknown(cause);
        await new Promise((resolve) => setTimeout(resolve, delay));
        continue;
      }
      if (assigned.length === 0) throw cause;
      return completeEnvelopes(rows, assigned);
    }
  }

  private async lookUpUnderAppendLock(eventIds: readonly string[], lockTimeoutMs: number): Promise<Record<string, unknown>[]> {
    const client = await this.pool.connect();
    let failure: unknown = undefined;
    try {
      await client.query(`BEGIN; SET LOCAL lock_timeout = ${Math.ceil(lockTimeoutMs)}; SELECT pg_advisory_xact_lock(${APPEND_LOCK})`);
      const { rows } = await client.query('SELECT event_id, position, recorded_at FROM events WHERE event_id = ANY($1::uuid[])', [
        eventIds,
      ]);
      await client.query('COMMIT');
      return rows;
    } catch (error) {
      failure = error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      if (failure === undefined) client.release();
      else releaseAfterFailure(client, failure);
    }
  }

  private async appendAlone(
    appends: readonly StreamAppend[],
    rows: readonly Row[],
    withinTransaction: (client: PoolClient, stored: readonly EventEnvelope[]) => Promise<void>,
  ): Promise<EventEnvelope[]> {
    const client = await this.pool.connect();
    let committing = false;
    let failure: unknown = undefined;
    try {
      await client.query('BEGIN');
      await this.checkVersions(client, appends);
      await client.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK]);
      const stored = rows.length === 0 ? [] : await insert(client, rows);
      await withinTransaction(client, stored);
      if (stored.length > 0) await client.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, String(stored[stored.length - 1].position)]);
      committing = true;
      await client.query('COMMIT');
      return stored;
    } catch (error) {
      failure = error;
      await client.query('ROLLBACK').catch(() => undefined);
      if (committing && rows.length > 0) return await this.storedDespiteFailure(rows, error);
      const pgError = error as { code?: string; constraint?: string; detail?: string };
      if (pgError.code === '23505' && pgError.constraint === 'events_stream_version') {
        const streamId = /\(stream_id, version\)=\((.*), \d+\)/.exec(pgError.detail ?? '')?.[1] ?? 'unknown';
        const expected = appends.find((a) => a.streamId === streamId)?.expectedVersion ?? -1;
        throw new StreamVersionConflict(streamId, expected, null);
      }
      throw error;
    } finally {
      if (failure === undefined) client.release();
      else releaseAfterFailure(client, failure);
    }
  }

  /** Events after `afterPosition`, in position (= commit) order. */
  async readAll(afterPosition: number, limit: number): Promise<EventEnvelope[]> {
    const { rows } = await this.pool.query(`SELECT ${COLUMNS} FROM events WHERE position > $1 ORDER BY position LIMIT $2`, [
      afterPosition,
      limit,
    ]);
    return rows.map(toEnvelope);
  }

  /**
   * The same events as `readAll`, each as its envelope's JSON text, written by the database:
   * a publisher sends the text as it is, and neither parses the payloads nor serializes them again.
   */
  async readAllAsJson(afterPosition: number, limit: number): Promise<SerializedEvent[]> {
    const { rows } = await this.pool.query(
      // Concatenated rather than json_build_object: the same text, in the envelope's key order, at
      // less than half the cost (the ids are uuids; to_json escapes the text columns).
      `SELECT position, stream_id, type,
              '{"eventId":"' || event_id || '","type":' || to_json(type) || ',"streamId":' || to_json(stream_id) ||
              ',"version":' || version || ',"position":' || position ||
              ',"occurredAt":"' || ${isoInstant('occurred_at')} || '","recordedAt":"' || ${isoInstant('recorded_at')} ||
              '","schemaVersion":' || schema_version || ',"actor":' || actor::text || ',"data":' || data::text || '}' AS json
         FROM events WHERE position > $1 ORDER BY position LIMIT $2`,
      [afterPosition, limit],
    );
    return rows.map((row) => ({ position: Number(row.position), streamId: row.stream_id, type: row.type, json: row.json }));
  }

  async headPosition(): Promise<number> {
    const { rows } = await this.pool.query('SELECT coalesce(max(position), 0) AS head FROM events');
    return Number(rows[0].head);
  }

  /** Cheap early refusal of a stale append; the unique (stream_id, version) constraint is the guarantee. */
  private async checkVersions(client: PoolClient, appends: readonly StreamAppend[]): Promise<void> {
    const actual = await currentVersions(
      client,
      appends.map((a) => a.streamId),
    );
    for (const append of appends) {
      const current = actual.get(append.streamId) ?? 0;
      if (current !== append.expectedVersion) throw new StreamVersionConflict(append.streamId, append.expectedVersion, current);
    }
  }
}

/** Rows of one group commit at the most (a few large batches, or many small appends). */
const MAX_GROUP_ROWS = 5000;

/** A client whose failure was not the database's answer to a statement (its connection, most likely) is not reused. */
function releaseAfterFailure(client: PoolClient, error: unknown): void {
  client.release(error instanceof Error && !('severity' in error) ? error : undefined);
}

function resolveAll(queued: readonly QueuedAppend[], stored: readonly EventEnvelope[]): void {
  const byId = new Map(stored.map((e) => [e.eventId, e]));
  for (const q of queued) {
    q.settled = true;
    q.resolve(q.rows.map((r) => byId.get(r.eventId)!));
  }
}

interface QueuedAppend {
  readonly appends: readonly StreamAppend[];
  readonly rows: readonly Row[];
  readonly resolve: (stored: EventEnvelope[]) => void;
  readonly reject: (error: unknown) => void;
  settled: boolean;
}

async function currentVersions(client: PoolClient, streamIds: readonly string[]): Promise<Map<string, number>> {
  // The last version of each stream by one index probe each (a long ANY(...) list may get a scan of the whole table).
  const { rows } = await client.query(
    `SELECT s.id AS stream_id, (SELECT max(version) FROM events WHERE stream_id = s.id) AS version
       FROM unnest($1::text[]) AS s(id)`,
    [[...new Set(streamIds)]],
  );
  return new Map<string, number>(rows.filter((r) => r.version !== null).map((r) => [r.stream_id as string, Number(r.version)]));
}

interface Row {
  eventId: string;
  type: string;
  streamId: string;
  version: number;
  occurredAt: string;
  schemaVersion: number;
  actor: EventEnvelope['actor'];
  data: unknown;
}

function flatten(appends: readonly StreamAppend[]): Row[] {
  const seen = new Set<string>();
  const rows: Row[] = [];
  for (const append of appends) {
    if (seen.has(append.streamId)) throw new Error(`stream ${append.streamId} appears twice in one append`);
    seen.add(append.streamId);
    append.events.forEach((event, i) =>
      rows.push({
        eventId: event.eventId ?? randomUUID(),
        type: event.type,
        streamId: append.streamId,
        version: append.expectedVersion + i + 1,
        occurredAt: new Date(event.occurredAt).toISOString(),
        schemaVersion: event.schemaVersion,
        actor: event.actor,
        data: event.data,
      }),
    );
  }
  return rows;
}

/**
 * One multi-row insert from one JSON parameter (PostgreSQL parses it faster than the driver
 * escapes arrays of JSON); rows keep their order, so positions follow versions within a
 * stream. Only what the database assigns comes back; the envelopes are completed here.
 */
async function insert(client: PoolClient, rows: readonly Row[]): Promise<EventEnvelope[]> {
  const { rows: assigned } = await client.query(
    `INSERT INTO events (event_id, type, stream_id, version, occurred_at, recorded_at, schema_version, actor, data)
     SELECT e."eventId", e.type, e."streamId", e.version, e."occurredAt", clock_timestamp(), e."schemaVersion", e.actor, e.data
       FROM jsonb_to_recordset($1::jsonb)
            AS e("eventId" uuid, type text, "streamId" text, version int, "occurredAt" timestamptz, "schemaVersion" smallint, actor jsonb, data jsonb, n int)
      ORDER BY e.n
     RETURNING event_id, position, recorded_at`,
    [JSON.stringify(rows.map((row, n) => ({ ...row, n })))],
  );
  return completeEnvelopes(rows, assigned);
}

/** The envelopes of `rows`, with what the database assigned them (position, record time). */
function completeEnvelopes(rows: readonly Row[], assigned: readonly Record<string, unknown>[]): EventEnvelope[] {
  const byId = new Map(assigned.map((a) => [a.event_id as string, a]));
  return rows.map((row) => ({
    eventId: row.eventId,
    type: row.type,
    streamId: row.streamId,
    version: row.version,
    position: Number(byId.get(row.eventId)!.position),
    occurredAt: row.occurredAt,
    recordedAt: (byId.get(row.eventId)!.recorded_at as Date).toISOString(),
    schemaVersion: row.schemaVersion,
    actor: row.actor,
    data: row.data,
  }));
}

/** An instant as `Date.prototype.toISOString` writes it (UTC, milliseconds), which every envelope uses. */
function isoInstant(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

function toEnvelope(row: Record<string, unknown>): EventEnvelope {
  return {
    eventId: row.event_id as string,
    type: row.type as string,
    streamId: row.stream_id as string,
    version: row.version as number,
    position: Number(row.position),
    occurredAt: (row.occurred_at as Date).toISOString(),
    recordedAt: (row.recorded_at as Date).toISOString(),
    schemaVersion: row.schema_version as number,
    actor: row.actor as EventEnvelope['actor'],
    data: row.data,
  };
}
