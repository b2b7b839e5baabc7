import { createHash, randomUUID } from 'node:crypto';
import {
  activityStreamId,
  isRecord,
  isUuid,
  parsePlanCommand,
  planDecider,
  projectStreamId,
  textProblem,
  type DecideContext,
  type PlanCommand,
  type WriteCommand,
} from '@app/domain';
import { domainErrorAnswer, errorAnswer, type Answer } from '@app/platform';

export type WriteCommandType = WriteCommand['type'];

export const WRITE_COMMAND_TYPES: readonly WriteCommandType[] = [
  'RegisterLead',
  'RecordVisit',
  'RecordFundInvestment',
  'SignProject',
  'StartProject',
  'CorrectProject',
  'DropProject',
  'RecordActivity',
];

/** One command to execute, routed from a single call, a batch item or the plan's endpoints; its fields are parsed when it is decided. */
export interface WriteRequest {
  readonly type: WriteCommandType | PlanCommand['type'];
  /** The command's fields as sent (with `type` and the id), for `parseCommand`. */
  readonly fields: Record<string, unknown>;
  readonly streamId: string;
  /** `Idempotency-Key` (single calls) or `commandId` (batch items). */
  readonly idempotencyKey: string | null;
  /** Fingerprint of the request as the client sent it, to tell a replay from a reused key ('' without a key). */
  readonly fingerprint: string;
  /** From `If-Match`: the version the stream must be at. */
  readonly expectedVersion: number | null;
}

/**
 * Builds a request from a JSON body, the command type and the id from the path (if any).
 * Only what routes the command (its type and id) is checked here; `parseCommand` checks every field.
 * A RegisterLead or RecordActivity without an id gets a fresh one.
 */
export function parseWriteRequest(
  type: unknown,
  body: unknown,
  options: { pathId?: string; idempotencyKey?: unknown; idempotencyKeyField?: string; ifMatch?: unknown } = {},
): WriteRequest | Answer {
  if (typeof type !== 'string' || !WRITE_COMMAND_TYPES.includes(type as WriteCommandType)) {
    return errorAnswer(400, 'invalid_input', 'unknown command type', [
      { field: 'type', message: `must be one of: ${WRITE_COMMAND_TYPES.join(', ')}` },
    ]);
  }
  if (!isRecord(body)) {
    return errorAnswer(400, 'invalid_input', 'the body must be a JSON object', [{ field: 'body', message: 'must be a JSON object' }]);
  }
  const commandType = type as WriteCommandType;
  const idField = commandType === 'RecordActivity' ? 'activityId' : 'projectId';
  const creates = commandType === 'RegisterLead' || commandType === 'RecordActivity';

  const fields: Record<string, unknown> = { ...body, type: commandType };
  if (options.pathId !== undefined) {
    if (fields[idField] !== undefined && fields[idField] !== options.pathId) {
      return errorAnswer(400, 'invalid_input', `${idField} in the body differs from the path`, [
        { field: idField, message: 'differs from the id in the path' },
      ]);
    }
    fields[idField] = options.pathId;
  }
  if (fields[idField] === undefined && creates) fields[idField] = randomUUID();
  // The id names the stream to load: a malformed one is refused before anything is read.
  if (!isUuid(fields[idField])) {
    return errorAnswer(400, 'invalid_input', `${idField} must be a UUID`, [{ field: idField, message: 'must be a UUID' }]);
  }
  const id = (fields[idField] as string).toLowerCase();
  fields[idField] = id;

  const replay = replayOf(commandType, body, options);
  if (isAnswer(replay)) return replay;
  return {
    type: commandType,
    fields,
    streamId: commandType === 'RecordActivity' ? activityStreamId(id) : projectStreamId(id),
    ...replay,
  };
}

/**
 * A plan command's request (a close: `period` from the path, the body `{reason?}`; a target
 * change: the body). Its stream is the plan of the year the command names, so a command that
 * does not parse is answered at once.
 */
export function parsePlanWriteRequest(
  type: PlanCommand['type'],
  body: Record<string, unknown>,
  ctx: DecideContext,
  options: { pathId?: string; idempotencyKey?: unknown; ifMatch?: unknown } = {},
): WriteRequest | Answer {
  const fields = { ...body, type, ...(options.pathId !== undefined ? { period: options.pathId } : {}) };
  const parsed = parsePlanCommand(fields, ctx);
  if (!parsed.ok) return domainErrorAnswer(parsed.error);
  const replay = replayOf(type, body, options);
  if (isAnswer(replay)) return replay;
  return { type, fields, streamId: planDecider.streamIdOf(parsed.command), ...replay };
}

/** What makes a request replayable and conditional: its idempotency key with the body's fingerprint, and If-Match. */
function replayOf(
  type: string,
  body: Record<string, unknown>,
  options: { pathId?: string; idempotencyKey?: unknown; idempotencyKeyField?: string; ifMatch?: unknown },
): Pick<WriteRequest, 'idempotencyKey' | 'fingerprint' | 'expectedVersion'> | Answer {
  const idempotencyKey = options.idempotencyKey;
  if (
    idempotencyKey !== undefined &&
    (typeof idempotencyKey !== 'string' ||
      idempotencyKey.length === 0 ||
      idempotencyKey.length > 200 ||
      textProblem(idempotencyKey) !== null)
  ) {
    return errorAnswer(400, 'invalid_input', 'bad idempotency key', [
      { field: options.idempotencyKeyField ?? 'Idempotency-Key', message: 'must be a string of 1 to 200 visible characters' },
    ]);
  }
  let expectedVersion: number | null = null;
  if (options.ifMatch !== undefined) {
    const raw = String(options.ifMatch).replace(/^W\//, '').replace(/"/g, '');
    expectedVersion = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(expectedVersion)) {
      return errorAnswer(400, 'invalid_input', 'bad If-Match', [{ field: 'If-Match', message: 'must be a stream version (integer)' }]);
    }
  }
  return {
    idempotencyKey: (idempotencyKey as string | undefined) ?? null,
    // Only a request that may be replayed needs one; hashing every command costs.
    fingerprint:
      idempotencyKey === undefined
        ? ''
        : createHash('sha256')
            .update(canonicalJson({ type, pathId: options.pathId, ...body }))
            .digest('hex'),
    expectedVersion,
  };
}

export const isAnswer = <T extends object>(value: T | Answer): value is Answer => 'status' in value;

/** JSON with object keys sorted, so that the same body always gives the same fingerprint. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
