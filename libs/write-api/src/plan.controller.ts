import { Body, Controller, Headers, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiCreatedResponse, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { isRecord, type PlanCommand } from '@app/domain';
import { ApiErrors, REFERENCE_DATA, Roles, errorAnswer, type Answer, type AuthenticatedRequest } from '@app/platform';
import type { ReferenceData } from '@app/reference-data';
import { ExecuteWrites } from './execute-writes.handler';
import { IDEMPOTENCY_KEY_HEADER, WRITE_HEADERS, sendAnswer } from './write.controller';
import { isAnswer, parsePlanWriteRequest } from './write-request';

const PERIOD_PATTERN = '^\\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$';
const STORED = {
  position: { type: 'integer', minimum: 1, description: "the event's position in the store: a read's minPosition" },
  eventId: { type: 'string', format: 'uuid' },
};

const PLAN_IF_MATCH_HEADER = ApiHeader({
  name: 'If-Match',
  required: false,
  description: "The version the plan's stream plan-<year> must be at; otherwise 409 `version_conflict` and nothing is written.",
  schema: { type: 'integer', minimum: 0, example: 2 },
});

/** The plan's own commands (contract §9): closing a period, changing a target. Admins only. */
@ApiTags('plan')
@ApiErrors(400, 401, 403, 409, 422, 429, 503)
@Roles('admin')
@Controller('v1')
export class PlanController {
  constructor(
    private readonly commandBus: CommandBus,
    @Inject(REFERENCE_DATA) private readonly reference: ReferenceData,
  ) {}

  @Post('periods/:period/close')
  @HttpCode(201)
  @ApiOperation({
    summary:
      "关账: records PeriodClosed in the stream plan-<year> with the store's last committed position; 409 when closed already, 422 before the period's end",
  })
  @ApiBody({
    required: false,
    schema: { type: 'object', additionalProperties: false, properties: { reason: { type: 'string', maxLength: 2000 } } },
  })
  @IDEMPOTENCY_KEY_HEADER
  @PLAN_IF_MATCH_HEADER
  @ApiCreatedResponse({
    description: 'closed',
    schema: {
      type: 'object',
      required: ['period', 'closedPosition', 'position', 'eventId'],
      properties: {
        period: { type: 'string', pattern: PERIOD_PATTERN, example: '2025-Q1' },
        closedPosition: {
          type: 'integer',
          minimum: 0,
          description: "the store's last committed position when closed: the report as of it is what was reported",
        },
        ...STORED,
      },
    },
  })
  async close(
    @Param('period') label: string,
    @Body() body: unknown,
    @Headers() headers: Record<string, string>,
    @Req() req: AuthenticatedRequest,
    @Res() reply: FastifyReply,
  ) {
    if (body !== undefined && body !== null && !isRecord(body)) {
      return sendAnswer(
        errorAnswer(400, 'invalid_input', 'the body must be an object', [{ field: 'body', message: 'must be empty or {reason}' }]),
        req,
        reply,
      );
    }
    return this.run('ClosePeriod', body ?? {}, label, headers, req, reply);
  }

  @Post('targets/changes')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Sets, changes or removes (target null) a target of the plan: TargetChanged in the stream plan-<year>, in force from now',
  })
  @ApiBody({
    schema: {
      type: 'object',
      additionalProperties: false,
      required: ['code', 'scope', 'period', 'target', 'reason'],
      properties: {
        code: { type: 'string', example: 'signed_total_wan' },
        scope: { type: 'string', example: 'city', description: '`city` or the code of a zone or district' },
        period: { type: 'string', example: '2025', pattern: '^\\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$' },
        target: { type: 'number', nullable: true, minimum: 0, description: 'null removes the target' },
        comparator: { type: 'string', enum: ['>=', '>'], description: 'the one in force when absent, else >=' },
        reason: { type: 'string', maxLength: 2000 },
      },
    },
  })
  @IDEMPOTENCY_KEY_HEADER
  @PLAN_IF_MATCH_HEADER
  @ApiCreatedResponse({
    description: 'the target in force from now (TargetChanged)',
    schema: {
      type: 'object',
      required: ['code', 'scope', 'period', 'target', 'comparator', 'reason', 'position', 'eventId'],
      properties: {
        code: { type: 'string', example: 'signed_total_wan' },
        scope: { type: 'string', example: 'city' },
        period: { type: 'string', pattern: PERIOD_PATTERN, example: '2025' },
        target: { type: 'number', nullable: true },
        comparator: { type: 'string', enum: ['>=', '>'] },
        reason: { type: 'string' },
        ...STORED,
      },
    },
  })
  async changeTarget(
    @Body() body: unknown,
    @Headers() headers: Record<string, string>,
    @Req() req: AuthenticatedRequest,
    @Res() reply: FastifyReply,
  ) {
    if (!isRecord(body)) {
      const refusal = errorAnswer(400, 'invalid_input', 'the body must be an object', [
        { field: 'body', message: 'must be {code, scope, period, target, reason}' },
      ]);
      return sendAnswer(refusal, req, reply);
    }
    return this.run('ChangeTarget', body, undefined, headers, req, reply);
  }

  /** A plan command goes the write side's one path: idempotency keys, If-Match, retries of conflicts and transient faults. */
  private async run(
    type: PlanCommand['type'],
    body: Record<string, unknown>,
    pathId: string | undefined,
    headers: Record<string, string>,
    req: AuthenticatedRequest,
    reply: FastifyReply,
  ): Promise<void> {
    const request = parsePlanWriteRequest(
      type,
      body,
      { ref: this.reference, now: new Date() },
      {
        pathId,
        idempotencyKey: headers[WRITE_HEADERS.idempotencyKey],
        ifMatch: headers[WRITE_HEADERS.ifMatch],
      },
    );
    const [answer] = isAnswer(request)
      ? [request]
      : await this.commandBus.execute<ExecuteWrites, Answer[]>(new ExecuteWrites(req.principal!, [request]));
    await sendAnswer(answer, req, reply);
  }
}
