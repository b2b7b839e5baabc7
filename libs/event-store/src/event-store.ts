import type { PoolClient } from 'pg';
import type { EventEnvelope, SerializedEvent, StreamAppend } from './envelope';

/**
 * The event store as its users see it: read streams, append with expected versions (all or
 * nothing), follow everything in commit order. PostgresEventStore is the one implementation;
 * users take this interface (injected by EVENT_STORE in the Nest apps).
 */
export interface EventStore {
  readStream(streamId: string): Promise<EventEnvelope[]>;
  /** The events of several streams, each in version order. */
  readStreams(streamIds: readonly string[]): Promise<Map<string, EventEnvelope[]>>;
  /** The current version of each stream that exists. */
  streamVersions(streamIds: readonly string[]): Promise<Map<string, number>>;
  /**
   * Appends to one or more streams, all or nothing: a stream not at its expected version fails
   * the whole append with StreamVersionConflict. `withinTransaction` runs in the same
   * transaction after the insert (records that must commit with the events).
   */
  append(
    appends: readonly StreamAppend[],
    withinTransaction?: (client: PoolClient, stored: readonly EventEnvelope[]) => Promise<void>,
  ): Promise<EventEnvelope[]>;
  /** Events after `afterPosition`, in position (= commit) order. */
  readAll(afterPosition: number, limit: number): Promise<EventEnvelope[]>;
  /** The same, each as its envelope's JSON text. */
  readAllAsJson(afterPosition: number, limit: number): Promise<SerializedEvent[]>;
  /** The last position handed out. */
  headPosition(): Promise<number>;
}

/** Injection token of the event store in the Nest apps. */
export const EVENT_STORE = Symbol('EVENT_STORE');
