import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Pool, PoolClient } from 'pg';
import { Counter } from 'prom-client';
import { CommitOutcomeUnknown, EVENT_STORE, StreamVersionConflict, type EventStore } from '@app/event-store';
import { MAX_EVENT_DATA_BYTES } from '@app/messaging';
import {
  ApiError,
  CONFIG,
  PG_POOL,
  REFERENCE_DATA,
  errorAnswer,
  isTransientDatabaseError,
  retryTransient,
  type Answer,
  type Config,
  type Principal,
} from '@app/platform';
import { parsePeriodLabel, streamTypeOf, type Comparator, type WriteContext } from '@app/domain';
import { fileTargetOf, type ReferenceData } from '@app/reference-data';
import { decideBatch } from './decide-batch';
import { IdempotencyStore } from './idempotency-store';
import { StreamStates } from './stream-states';
import { isAnswer, type WriteRequest } from './write-request';

/** Runs write requests in order for one key; each succeeds or fails alone. Answers in the same order. */
export class ExecuteWrites {
  constructor(
    readonly principal: Principal,
    readonly requests: readonly (WriteRequest | Answer)[],
  ) {}
}

const commandsTotal = new Counter({
  name: 'commands_total',
  help: 'Write commands by type and answer status',
  labelNames: ['type', 'status'],
});

/** Concurrent writers to the same streams retry from a fresh read this many times before giving up with 409. */
const MAX_ATTEMPTS = 8;
/** How long transient database errors are retried before the request is answered 503. */
const TRANSIENT_RETRY_MS = 5_000;

/**
 * The write side's one path, for every stream type (projects, activities, the plan): load the streams the requests touch and the answers already
 * given to their idempotency keys, decide the batch (`decideBatch`, no I/O), then append every
 * accepted event and every new answer in one transaction at the versions read. A concurrent
 * append to one of those streams fails it as a whole; the batch is then decided again from
 * the new state, so no answer is ever given for a write that did not commit.
 */
@CommandHandler(ExecuteWrites)
export class ExecuteWritesHandler implements ICommandHandler<ExecuteWrites, Answer[]> {
  private readonly streams: StreamStates;
  private readonly idempotency: IdempotencyStore;
  private readonly maxEventBytes: number;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PG_POOL) pool: Pool,
    @Inject(REFERENCE_DATA) private readonly reference: ReferenceData,
    @Inject(CONFIG) config: Config,
  ) {
    this.streams = new StreamStates(store);
    this.idempotency = new IdempotencyStore(pool);
    this.maxEventBytes = Math.min(config.maxEventBytes ?? MAX_EVENT_DATA_BYTES, MAX_EVENT_DATA_BYTES);
  }

  /**
   * Conflicts with concurrent writers are decided again from the new state; transient
   * database errors (nothing was written: the store makes sure of it) are tried again with
   * back-off, then answered 503 so that the client resends.
   */
  async execute({ principal, requests }: ExecuteWrites): Promise<Answer[]> {
    const transientDeadline = Date.now() + TRANSIENT_RETRY_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        const answers = await retryTransient(() => this.attempt(principal, requests), transientDeadline - Date.now());
        requests.forEach((request, i) =>
          commandsTotal.inc({ type: isAnswer(request) ? 'unparsed' : request.type, status: answers[i].status }),
        );
        return answers;
      } catch (error) {
        if (error instanceof CommitOutcomeUnknown) {
          throw ApiError.unavailable(
            'the database connection was lost while committing; resend the request with the same Idempotency-Key',
            2,
          );
        }
        // Still transient once the retries' time is spent.
        if (isTransientDatabaseError(error)) throw ApiError.unavailable('the database is unavailable; nothing was written; retry', 2);
        if (!(error instanceof StreamVersionConflict || IdempotencyStore.isRace(error))) throw error;
        if (attempt >= MAX_ATTEMPTS) {
          return requests.map(() => errorAnswer(409, 'conflict', 'the project was changed concurrently; retry the request'));
        }
      }
    }
  }

  /** The comparator the targets file gives a KPI of a scope and period (the period is checked before). */
  private readonly fileComparator = (scope: string, code: string, period: string): Comparator | null =>
    fileTargetOf(this.reference, scope, code, parsePeriodLabel(period)!)?.comparator ?? null;

  private async attempt(principal: Principal, requests: readonly (WriteRequest | Answer)[]): Promise<Answer[]> {
    const parsed = requests.filter((r): r is WriteRequest => !isAnswer(r));
    const keys = parsed.map((r) => r.idempotencyKey).filter((k): k is string => k !== null);
    const remembered = await this.idempotency.find(principal.id, keys);
    const streams = await this.streams.load(parsed.map((r) => r.streamId));
    const ctx: WriteContext = {
      ref: this.reference,
      now: new Date(),
      // A close records the store's last committed position; other commands need no look-up.
      headPosition: parsed.some((r) => streamTypeOf(r.streamId) === 'plan') ? await this.store.headPosition() : 0,
      fileComparator: this.fileComparator,
    };
    const batch = decideBatch({ principal, requests, streams, remembered, ctx, maxEventBytes: this.maxEventBytes });
    if (batch.appends.length === 0) return batch.answers;

    // Answers to remember must commit with their events; without any, the append may share a group commit.
    const storeAnswers =
      batch.toRemember.length === 0
        ? undefined
        : async (client: PoolClient, stored: readonly { eventId: string; position: number }[]) => {
            batch.fillPositions(stored);
            await this.idempotency.store(client, principal.id, batch.toRemember);
          };
    batch.fillPositions(await this.store.append(batch.appends, storeAnswers));
    for (const id of batch.changedStreams) this.streams.remember(id, streams.get(id)!);
    return batch.answers;
  }
}
