import { Body, Controller, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  EMPTY_PLAN,
  EVENT_SCHEMA_VERSION,
  decideClosePeriod,
  decideTargetChange,
  evolvePlan,
  isRecord,
  parseClosePeriod,
  parsePeriodLabel,
  parseTargetChange,
  planStreamId,
  type Comparator,
  type Decision,
  type PeriodClosed,
  type PlanEvent,
  type PlanState,
} from '@app/domain';
import { EVENT_STORE, StreamVersionConflict, type EventStore } from '@app/event-store';
import { ApiErrors, ApiError, REFERENCE_DATA, Roles, domainErrorAnswer, type AuthenticatedRequest } from '@app/platform';
import { fileTargetOf, type ReferenceData } from '@app/reference-data';
import { actorOf } from './authorize';

const PERIOD_PATTERN = '^\\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$';
const STORED = {
  position: { type: 'integer', minimum: 1, description: "the event's position in the store: a read's minPosition" },
  eventId: { type: 'string', format: 'uuid' },
};

/** Another admin changing the plan at the same moment: read it again and decide again, this many times. */
const MAX_ATTEMPTS = 5;

/** The plan's own commands (contract §9): closing a period, changing a target. Admins only. */
@ApiTags('plan')
@ApiErrors(400, 401, 403, 409, 422, 429, 503)
@Roles('admin')
@Controller('v1')
export class PlanController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
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
  async close(@Param('period') label: string, @Body() body: unknown, @Req() req: AuthenticatedRequest) {
    if (body !== undefined && body !== null && !isRecord(body)) {
      throw ApiError.of(400, 'invalid_input', 'the body must be an object', [{ field: 'body', message: 'must be empty or {reason}' }]);
    }
    const parsed = parseClosePeriod(label, body ?? {});
    if (!parsed.ok) throw new ApiError(domainErrorAnswer(parsed.error));
    const event = await this.onPlan<PeriodClosed>(parsed.command.period.year, req, (state, headPosition) =>
      decideClosePeriod(parsed.command, state, { now: new Date(), timeZone: this.reference.timezone, headPosition }),
    );
    return { period: event.data.period, closedPosition: event.data.position, position: event.position, eventId: event.eventId };
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
  async changeTarget(@Body() body: unknown, @Req() req: AuthenticatedRequest) {
    if (!isRecord(body)) {
      throw ApiError.of(400, 'invalid_input', 'the body must be an object', [
        { field: 'body', message: 'must be {code, scope, period, target, reason}' },
      ]);
    }
    const ctx = {
      unitKinds: new Map([...this.reference.units].map(([code, unit]) => [code, unit.kind as string])),
      fileComparator: (scope: string, code: string, period: string) => this.fileComparator(scope, code, period),
      now: new Date(),
    };
    const parsed = parseTargetChange(body, ctx);
    if (!parsed.ok) throw new ApiError(domainErrorAnswer(parsed.error));
    const event = await this.onPlan(Number(parsed.command.period.slice(0, 4)), req, (state) =>
      decideTargetChange(parsed.command, state, ctx),
    );
    return { ...event.data, position: event.position, eventId: event.eventId };
  }

  /**
   * Reads the plan's stream, decides, and appends at the version read; another admin's change
   * in between makes it read and decide again.
   */
  private async onPlan<E extends PlanEvent>(
    year: number,
    req: AuthenticatedRequest,
    decide: (state: PlanState, headPosition: number) => Decision<E>,
  ): Promise<E & { position: number; eventId: string }> {
    const streamId = planStreamId(year);
    for (let attempt = 1; ; attempt++) {
      const events = await this.store.readStream(streamId);
      const state = events.reduce(
        (s, e) => evolvePlan(s, { type: e.type, occurredAt: e.occurredAt, data: e.data } as PlanEvent),
        EMPTY_PLAN,
      );
      // The store's last committed position: a close records it.
      const decision = decide(state, await this.store.headPosition());
      if (!decision.ok) throw new ApiError(domainErrorAnswer(decision.error));
      const [event] = decision.events;
      try {
        const [stored] = await this.store.append([
          {
            streamId,
            expectedVersion: events.length,
            events: [{ ...event, actor: actorOf(req.principal!), schemaVersion: EVENT_SCHEMA_VERSION }],
          },
        ]);
        return { ...event, position: stored.position, eventId: stored.eventId };
      } catch (error) {
        if (!(error instanceof StreamVersionConflict) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  /** The comparator the targets file gives a KPI of a scope and period (the period is checked before). */
  private fileComparator(scope: string, code: string, period: string): Comparator | null {
    return fileTargetOf(this.reference, scope, code, parsePeriodLabel(period)!)?.comparator ?? null;
  }
}
