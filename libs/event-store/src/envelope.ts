/** Who wrote an event: taken from the API key or the console session, never from the request body. */
export interface Actor {
  readonly kind: 'team' | 'partner' | 'system' | 'user';
  readonly id: string;
}

/** A stored event with its envelope (contract §2). */
export interface EventEnvelope<T extends string = string, D = unknown> {
  readonly eventId: string;
  readonly type: T;
  readonly streamId: string;
  /** 1-based, per stream, gap-free. */
  readonly version: number;
  /** Global, unique, increasing in commit order. */
  readonly position: number;
  /** Business time, UTC ISO-8601. */
  readonly occurredAt: string;
  /** When the store committed it, UTC ISO-8601. */
  readonly recordedAt: string;
  readonly schemaVersion: number;
  readonly actor: Actor;
  readonly data: D;
}

/** A stored event as the JSON text of its envelope, with what a publisher needs to route it. */
export interface SerializedEvent {
  readonly position: number;
  readonly streamId: string;
  readonly type: string;
  readonly json: string;
}

export interface NewEvent {
  readonly type: string;
  readonly occurredAt: string;
  readonly data: unknown;
  readonly actor: Actor;
  readonly schemaVersion: number;
  readonly eventId?: string;
}

/** Events to add to one stream, which must be at `expectedVersion` (0: the stream must not exist). */
export interface StreamAppend {
  readonly streamId: string;
  readonly expectedVersion: number;
  readonly events: readonly NewEvent[];
}

export class StreamVersionConflict extends Error {
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
    readonly actualVersion: number | null,
  ) {
    super(`stream ${streamId} is at version ${actualVersion ?? 'unknown'}, not ${expectedVersion}`);
  }
}

/**
 * The connection was lost while the commit was under way, and the store could not find out
 * afterwards whether it took effect. Nothing may be assumed: a client resends the same
 * request with its idempotency key, which answers the first outcome if there was one.
 */
export class CommitOutcomeUnknown extends Error {
  constructor(cause: unknown) {
    super(`the commit's outcome is unknown: ${(cause as Error)?.message ?? cause}`, { cause });
  }
}
