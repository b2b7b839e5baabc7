import { randomUUID } from 'node:crypto';
import {
  DECIDERS,
  EVENT_SCHEMA_VERSION,
  streamTypeOf,
  type DomainEvent,
  type PlanCommand,
  type ProjectState,
  type StreamType,
  type WriteCommand,
  type WriteContext,
} from '@app/domain';
import type { NewEvent, StreamAppend } from '@app/event-store';
import { domainErrorAnswer, errorAnswer, type Answer, type Principal } from '@app/platform';
import { actorOf, authorize } from './authorize';
import type { Remembered, ToRemember } from './idempotency-store';
import type { StreamState } from './stream-states';
import { isAnswer, type WriteRequest } from './write-request';

export interface BatchInput {
  readonly principal: Principal;
  /** In order; an Answer is a request already refused while parsing. */
  readonly requests: readonly (WriteRequest | Answer)[];
  /** The streams the requests touch, as loaded: changed in place as commands are accepted. */
  readonly streams: Map<string, StreamState>;
  /** Answers already given to the requests' idempotency keys: added to as commands are accepted. */
  readonly remembered: Map<string, Remembered>;
  readonly ctx: WriteContext;
  /** An event whose payload is larger could not be published: 413. */
  readonly maxEventBytes: number;
}

export interface BatchDecision {
  /** One per request, in order; accepted ones have their `position` filled in by `fillPositions` once stored. */
  readonly answers: Answer[];
  /** What to append, per stream, at the versions the streams were loaded at. */
  readonly appends: StreamAppend[];
  readonly toRemember: ToRemember[];
  /** Fills each accepted answer's `position` from the stored events. */
  fillPositions(stored: readonly { eventId: string; position: number }[]): void;
  /** The streams whose state changed, to remember once committed. */
  readonly changedStreams: readonly string[];
}

/**
 * Decides a batch without any I/O: each command in order against the state the earlier ones
 * left (so a batch may register a project and act on it), each succeeding or failing alone —
 * a replayed idempotency key answers what it answered first, a reused one 422, a stale
 * If-Match 409, an unauthorized command 403, a refused one its error.
 */
export function decideBatch({ principal, requests, streams, remembered, ctx, maxEventBytes }: BatchInput): BatchDecision {
  const loadedVersions = new Map([...streams].map(([id, s]) => [id, s.version]));
  const actor = actorOf(principal);
  const pending: { streamId: string; event: NewEvent }[] = [];
  const toRemember: ToRemember[] = [];
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
    const outcome = decideOne(request, stream, principal, ctx, maxEventBytes);
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

  return {
    answers,
    appends: byStream(pending, loadedVersions),
    toRemember,
    changedStreams: [...new Set(pending.map((p) => p.streamId))],
    fillPositions(stored) {
      for (const event of stored) {
        const body = awaitingPosition.get(event.eventId);
        if (body) body.position = event.position;
      }
    },
  };
}

/** Decides one command against its stream (by its stream type's decider) and, when accepted, evolves the stream in place. */
function decideOne(
  request: WriteRequest,
  stream: StreamState,
  principal: Principal,
  ctx: WriteContext,
  maxEventBytes: number,
): { refusal: Answer } | { events: readonly DomainEvent[]; body: Record<string, unknown> } {
  const streamType = streamTypeOf(request.streamId);
  const decider = DECIDERS[streamType];
  const parsed = decider.parse(request.fields, ctx);
  if (!parsed.ok) return { refusal: domainErrorAnswer(parsed.error) };
  const command = parsed.command as WriteCommand | PlanCommand;
  const creates = command.type === 'RegisterLead' || command.type === 'RecordActivity';
  if (stream.version > 0 || creates || streamType === 'plan') {
    const project = streamType === 'project' ? (stream.state as ProjectState | null) : null;
    const denied = authorize(principal, command, project, stream.registeredBy);
    if (denied) return { refusal: denied };
  }
  const decision = decider.decide(command, stream.state, ctx);
  if (!decision.ok) return { refusal: domainErrorAnswer(decision.error) };
  const events = decision.events as readonly DomainEvent[];
  const oversized = events.find((event) => Buffer.byteLength(JSON.stringify(event.data)) > maxEventBytes);
  if (oversized) return { refusal: tooLargeToPublish(request.fields, maxEventBytes) };

  for (const event of events) {
    stream.version += 1;
    stream.state = decider.evolve(stream.state, event);
  }
  if (creates) stream.registeredBy = actorOf(principal);
  return { events, body: answerBody(streamType, command, events, stream.version) };
}

/** The 201 body of an accepted command; `position` and `eventId` are filled in once stored. */
function answerBody(
  streamType: StreamType,
  command: WriteCommand | PlanCommand,
  events: readonly DomainEvent[],
  version: number,
): Record<string, unknown> {
  const stored = { position: null, eventId: null };
  if (command.type === 'RecordActivity') return { activityId: command.activityId, version, ...stored };
  if (streamType === 'project' && 'projectId' in command) return { projectId: command.projectId, version, ...stored };
  const [event] = events;
  if (event.type === 'PeriodClosed') return { period: event.data.period, closedPosition: event.data.position, ...stored };
  return { ...event.data, ...stored };
}

/** 413 naming the command's largest field: its event could never be published (contract §6). */
function tooLargeToPublish(fields: Record<string, unknown>, limit: number): Answer {
  const [largest] = Object.entries(fields)
    .map(([field, value]) => [field, JSON.stringify(value)?.length ?? 0] as const)
    .sort((a, b) => b[1] - a[1]);
  return errorAnswer(413, 'payload_too_large', `the event would exceed ${limit} bytes, more than the events topic takes`, [
    { field: largest?.[0] ?? 'body', message: 'is too large for the event to be published' },
  ]);
}

function byStream(pending: readonly { streamId: string; event: NewEvent }[], loadedVersions: ReadonlyMap<string, number>): StreamAppend[] {
  const events = new Map<string, NewEvent[]>();
  for (const { streamId, event } of pending) {
    const list = events.get(streamId);
    if (list) list.push(event);
    else events.set(streamId, [event]);
  }
  return [...events].map(([streamId, list]) => ({ streamId, expectedVersion: loadedVersions.get(streamId) ?? 0, events: list }));
}
