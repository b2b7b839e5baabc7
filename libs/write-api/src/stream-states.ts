import { DECIDERS, streamTypeOf } from '@app/domain';
import type { Actor, EventEnvelope, EventStore } from '@app/event-store';
import { LruMap } from '@app/platform';

/** A stream as the deciders need it: its folded state (by its stream type's decider), version and author. */
export interface StreamState {
  version: number;
  state: unknown;
  registeredBy: Actor | null;
}

/** Folded streams kept in memory, least recently used first out. */
const CAPACITY = 100_000;

/**
 * The streams' states for deciding, kept folded in memory between requests. A cached state
 * is used only while its version is still the stream's (checked in one light query), so
 * another writer's events are never missed; the others are read and folded.
 */
export class StreamStates {
  private readonly cache = new LruMap<string, StreamState>(CAPACITY);

  constructor(private readonly store: EventStore) {}

  /** Copies of the states: deciding changes them; the cache changes only after a commit (`remember`). */
  async load(streamIds: readonly string[]): Promise<Map<string, StreamState>> {
    const unique = [...new Set(streamIds)];
    const cachedIds = unique.filter((id) => this.cache.has(id));
    const versions = cachedIds.length > 0 ? await this.store.streamVersions(cachedIds) : new Map<string, number>();
    const states = new Map<string, StreamState>();
    const toRead: string[] = [];
    for (const id of unique) {
      const cached = this.cache.get(id);
      if (cached && cached.version === (versions.get(id) ?? 0)) states.set(id, { ...cached });
      else toRead.push(id);
    }
    const stored = toRead.length > 0 ? await this.store.readStreams(toRead) : new Map<string, EventEnvelope[]>();
    for (const id of toRead) {
      const state = fold(id, stored.get(id) ?? []);
      if (state.version > 0) this.remember(id, state);
      states.set(id, { ...state });
    }
    return states;
  }

  /** Keeps a state that has been committed. */
  remember(id: string, state: StreamState): void {
    this.cache.set(id, { ...state });
  }
}

function fold(streamId: string, events: readonly EventEnvelope[]): StreamState {
  const decider = DECIDERS[streamTypeOf(streamId)];
  const stream: StreamState = { version: 0, state: decider.initialState, registeredBy: null };
  for (const envelope of events) {
    stream.state = decider.evolve(stream.state, { type: envelope.type, occurredAt: envelope.occurredAt, data: envelope.data });
    if (envelope.version === 1) stream.registeredBy = envelope.actor;
    stream.version = envelope.version;
  }
  return stream;
}
