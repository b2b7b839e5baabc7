import { randomUUID } from 'node:crypto';
import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Pool, PoolClient } from 'pg';
import { Counter } from 'prom-client';
import {
  EVENT_SCHEMA_VERSION,
  decide,
  decideActivity,
  evolve,
  evolveActivity,
  type ActivityHeld,
  type ActivityState,
  type DecideContext,
  type DomainEvent,
  type ProjectEvent,
  type ProjectState,
} from '@app/domain';
import {
  CommitOutcomeUnknown,
  PostgresEventStore,
  StreamVersionConflict,
  type Actor,
  type EventEnvelope,
  type NewEvent,
} from '@app/event-store';
import { MAX_EVENT_DATA_BYTES } from '@app/messaging';
import {
  ApiError,
  CONFIG,
  PG_POOL,
  REFERENCE_DATA,
  domainErrorAnswer,
  errorAnswer,
  isTransientDatabaseError,
  type Answer,
  type Config,
  type Principal,
} from '@app/platform';
import type { ReferenceData } from '@app/reference-data';
import { actorOf, authorize } from './authorize';
import { isActivityCommand, isAnswer, type WriteRequest } from './write-request';

/** Runs write requests in order for one key; each succeeds or fails alone. Answers in the same order. */
export class ExecuteWrites {
  constructor(
    readonly principal: Principal,
    readonly requests: readonly (WriteRequest | Answer)[],
  ) {}
}

/** A stream as the deciders need it: its folded state, version and author. */
interface StreamState {
  version: number;
  project: ProjectState | null;
  activity: ActivityState;
  registeredBy: Actor | null;
}

interface PendingEvent {
  readonly streamId: string;
  readonly event: NewEvent;
}

interface Remembered {
  readonly fingerprint: string;
  readonly answer: Answer;
}

const commandsTotal = new Counter({
  name: 'commands_total',
  help: 'Write commands by type and answer status',
  labelNames: ['type', 'status'],
});

/** Folded streams kept in memory, most recently used first out last. */
const STREAM_CACHE_SIZE = 100_000;

/** A bounded map that forgets the least recently used entry. */
class StreamCache {
  private readonly entries = new Map<string, StreamState>();

  constructor(private readonly capacity: number) {}

  has(id: string): boolean {
    return this.entries.has(id);
  }

  get(id: string): StreamState | undefined {
    const state = this.entries.get(id);
    if (state) {
      this.entries.delete(id);
      this.entries.set(id, state);
    }
    return state;
  }

  set(id: string, state: StreamState): void {
    this.entries.delete(id);
    this.entries.set(id, state);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }
}

/** Concurrent writers to the same streams retry from a fresh read this many times before giving up with 409. */
const MAX_ATTEMPTS = 8;
/** How long transient database errors are retried before the request is answered 503. */
const TRANSIENT_RETRY_MS = 5_000;

/**
 * The write side in one place: load the streams the requests touch, fold them, decide each
 * command in order against the state the earlier ones left, then append every accepted event
 * and every idempotency answer in one transaction with the versions read. A concurrent append
 * to one of those streams makes the transaction fail as a whole; the requests are then
 * decided again from the new state, so no answer is ever given for a write that did not commit.
 */
@CommandHandler(ExecuteWrites)
export class ExecuteWritesHandler implements ICommandHandler<ExecuteWrites, Answer[]> {
  private readonly store: PostgresEventStore;
  private readonly cache = new StreamCache(STREAM_CACHE_SIZE);
  private readonly maxEventBytes: number;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(REFERENCE_DATA) private readonly reference: ReferenceData,
    @Inject(CONFIG) config: Config,
  ) {
    this.store = new PostgresEventStore(pool);
    this.maxEventBytes = Math.min(config.maxEventBytes ?? MAX_EVENT_DATA_BYTES, MAX_EVENT_DATA_BYTES);
  }

  /**
   * Conflicts with concurrent writers are decided again from the new state; transient
   * database errors (nothing was written: the store makes sure of it) are tried again with
   * back-off, then answered 503 so that the client resends.
   */
  async execute({ principal, requests }: ExecuteWrites): Promise<Answer[]> {
    const transientDeadline = Date.now() + TRANSIENT_RETRY_MS;
    let backoffMs = 50;
    for (let attempt = 1; ; attempt++) {
      try {
        const answers = await this.attempt(principal, requests);
        requests.forEach((request, i) =>
          commandsTotal.inc({ type: isAnswer(request) ? 'unparsed' : request.command.type, status: answers[i].status }),
        );
        return answers;
      } catch (error) {
        if (error instanceof CommitOutcomeUnknown) {
          throw ApiError.unavailable(
            'the database connection was lost while committing; resend the request with the same Idempotency-Key',
            2,
          );
        }
        if (isTransientDatabaseError(error)) {
          if (Date.now() + backoffMs > transientDeadline)
            throw ApiError.unavailable('the database is unavailable; nothing was written; retry', 2);
          await new Promise((resolve) => setTimeout(resolve, backoffMs));
          backoffMs = Math.min(backoffMs * 2, 1_000);
          continue;
        }
        const retriable = error instanceof StreamVersionConflict || isIdempotencyRace(error);
        if (!retriable) throw error;
        if (attempt >= MAX_ATTEMPTS) {
          return requests.map(() => errorAnswer(409, 'conflict', 'the project was changed concurrently; retry the request'));
        }
      }
    }
  }

  private async attempt(principal: Principal, requests: readonly (WriteRequest | Answer)[]): Promise<Answer[]> {
    const parsed = requests.filter((r): r is WriteRequest => !isAnswer(r));
    const remembered = await this.rememberedAnswers(principal, parsed);
    const streams = await this.loadStreams(parsed.map((r) => r.streamId));
    const loadedVersions = new Map([...streams].map(([id, s]) => [id, s.version]));
    const ctx: DecideContext = { ref: this.reference, now: new Date() };
    const actor = actorOf(principal);
    const pending: PendingEvent[] = [];
    const toRemember: (Remembered & { key: string })[] = [];
    /** Bodies whose position is filled in once the append has committed, by event id. */
    const awaitingPosition = new Map<string, Record<string, unknown>>();

    const answers = requests.map((request): Answer => {
      if (isAnswer(request)) return request;
      if (request.idempotencyKey !== null) {
        const prior = remembered.get(request.idempotencyKey);
        if (prior) {
          return prior.fingerprint === request.fingerprint
            ? prior.answer
            : errorAnswer(422, 'idempotency_key_reused', `idempotency key ${request.idempotencyKey} was used with another request`);
        }
      }
      const stream = streams.get(request.streamId)!;
      if (request.expectedVersion !== null && request.expectedVersion !== stream.version) {
        return errorAnswer(409, 'version_conflict', `${request.streamId} is at version ${stream.version}, not ${request.expectedVersion}`);
      }
      const outcome = this.decideOne(request, stream, principal, ctx);
      if ('refusal' in outcome) return outcome.refusal;
      const { events, body } = outcome;
      for (const event of events) {
        const eventId = randomUUID();
        pending.push({
          streamId: request.streamId,
          event: { eventId, type: event.type, occurredAt: event.occurredAt, data: event.data, actor, schemaVersion: EVENT_SCHEMA_VERSION },
        });
        body.eventId = eventId;
        awaitingPosition.set(eventId, body);
      }
      const result: Answer = { status: 201, body };
      if (request.idempotencyKey !== null) {
        const memo = { key: request.idempotencyKey, fingerprint: request.fingerprint, answer: result };
        remembered.set(memo.key, memo);
        toRemember.push(memo);
      }
      return result;
    });

    if (pending.length > 0) {
      const fillPositions = (stored: readonly EventEnvelope[]) => {
        for (const event of stored) {
          const body = awaitingPosition.get(event.eventId);
          if (body) body.position = event.position;
        }
      };
      // Answers to remember must commit with their events; without any, the append may share a group commit.
      const rememberAnswers =
        toRemember.length === 0
          ? undefined
          : async (client: PoolClient, stored: readonly EventEnvelope[]) => {
              fillPositions(stored);
              await storeAnswers(client, principal.id, toRemember);
            };
      fillPositions(await this.store.append(groupByStream(pending, loadedVersions), rememberAnswers));
      for (const { streamId } of pending) this.cache.set(streamId, { ...streams.get(streamId)! });
    }
    return answers;
  }

  /** Decides one command against its stream and, when accepted, evolves the stream in place. */
  private decideOne(
    request: WriteRequest,
    stream: StreamState,
    principal: Principal,
    ctx: DecideContext,
  ): { refusal: Answer } | { events: readonly DomainEvent[]; body: Record<string, unknown> } {
    const { command } = request;
    const creates = command.type === 'RegisterLead' || command.type === 'RecordActivity';
    if (stream.version > 0 || creates) {
      const denied = authorize(principal, command, stream.project, stream.registeredBy);
      if (denied) return { refusal: denied };
    }
    const decision = isActivityCommand(command) ? decideActivity(command, stream.activity, ctx) : decide(command, stream.project, ctx);
    if (!decision.ok) return { refusal: domainErrorAnswer(decision.error) };
    const oversized = decision.events.find((event) => Buffer.byteLength(JSON.stringify(event.data)) > this.maxEventBytes);
    if (oversized) return { refusal: tooLargeToPublish(command, this.maxEventBytes) };

    for (const event of decision.events) {
      stream.version += 1;
      if (event.type === 'ActivityHeld') stream.activity = evolveActivity(stream.activity, event);
      else stream.project = evolve(stream.project, event);
    }
    if (creates) stream.registeredBy = actorOf(principal);
    const idField = isActivityCommand(command) ? { activityId: command.activityId } : { projectId: command.projectId };
    return { events: decision.events, body: { ...idField, version: stream.version, position: null, eventId: null } };
  }

  /**
   * The streams' states: from the cache when its version is still the stream's (checked in
   * one light query, so another writer's events are never missed), else read and folded.
   * Callers get copies: deciding changes them, the cache changes only after a commit.
   */
  private async loadStreams(streamIds: readonly string[]): Promise<Map<string, StreamState>> {
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
      const state = fold(stored.get(id) ?? []);
      if (state.version > 0) this.cache.set(id, state);
      states.set(id, { ...state });
    }
    return states;
  }

  private async rememberedAnswers(principal: Principal, requests: readonly WriteRequest[]): Promise<Map<string, Remembered>> {
    const keys = requests.map((r) => r.idempotencyKey).filter((k): k is string => k !== null);
    const remembered = new Map<string, Remembered>();
    if (keys.length === 0) return remembered;
    const { rows } = await this.pool.query(
      'SELECT key, request_hash, status, body FROM idempotency_keys WHERE principal = $1 AND key = ANY($2::text[])',
      [principal.id, keys],
    );
    for (const row of rows) remembered.set(row.key, { fingerprint: row.request_hash, answer: { status: row.status, body: row.body } });
    return remembered;
  }
}

/** 413 naming the command's largest field: its event could never be published (contract §6). */
function tooLargeToPublish(command: WriteRequest['command'], limit: number): Answer {
  const [largest] = Object.entries(command)
    .map(([field, value]) => [field, JSON.stringify(value)?.length ?? 0] as const)
    .sort((a, b) => b[1] - a[1]);
  return errorAnswer(413, 'payload_too_large', `the event would exceed ${limit} bytes, more than the events topic takes`, [
    { field: largest?.[0] ?? 'body', message: 'is too large for the event to be published' },
  ]);
}

function fold(events: readonly EventEnvelope[]): StreamState {
  const state: StreamState = { version: 0, project: null, activity: null, registeredBy: null };
  for (const envelope of events) {
    const event = { type: envelope.type, occurredAt: envelope.occurredAt, data: envelope.data } as DomainEvent;
    if (event.type === 'ActivityHeld') state.activity = evolveActivity(state.activity, event as ActivityHeld);
    else state.project = evolve(state.project, event as ProjectEvent);
    if (envelope.version === 1) state.registeredBy = envelope.actor;
    state.version = envelope.version;
  }
  return state;
}

function groupByStream(pending: readonly PendingEvent[], loadedVersions: ReadonlyMap<string, number>) {
  const byStream = new Map<string, NewEvent[]>();
  for (const { streamId, event } of pending) {
    const list = byStream.get(streamId);
    if (list) list.push(event);
    else byStream.set(streamId, [event]);
  }
  return [...byStream].map(([streamId, events]) => ({ streamId, expectedVersion: loadedVersions.get(streamId) ?? 0, events }));
}

async function storeAnswers(client: PoolClient, principal: string, answers: readonly (Remembered & { key: string })[]): Promise<void> {
  if (answers.length === 0) return;
  await client.query(
    `INSERT INTO idempotency_keys (principal, key, request_hash, status, body)
     SELECT $1, k, h, s, b FROM unnest($2::text[], $3::text[], $4::smallint[], $5::jsonb[]) AS t(k, h, s, b)`,
    [
      principal,
      answers.map((a) => a.key),
      answers.map((a) => a.fingerprint),
      answers.map((a) => a.answer.status),
      answers.map((a) => JSON.stringify(a.answer.body)),
    ],
  );
}

/** Two requests with the same new idempotency key raced; the loser retries and finds the winner's answer. */
function isIdempotencyRace(error: unknown): boolean {
  const pgError = error as { code?: string; constraint?: string };
  return pgError.code === '23505' && pgError.constraint === 'idempotency_keys_pkey';
}
