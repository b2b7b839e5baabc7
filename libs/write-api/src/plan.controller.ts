import { Body, Controller, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  EMPTY_PLAN,
  EVENT_SCHEMA_VERSION,
  decideClosePeriod,
  evolvePlan,
  isRecord,
  parseClosePeriod,
  planStreamId,
  type PlanEvent,
} from '@app/domain';
import { EVENT_STORE, StreamVersionConflict, type EventStore } from '@app/event-store';
import { ApiErrors, ApiError, REFERENCE_DATA, Roles, domainErrorAnswer, type AuthenticatedRequest } from '@app/platform';
import type { ReferenceData } from '@app/reference-data';
import { actorOf } from './authorize';

/** Another admin closing at the same moment: read the plan again and decide again, this many times. */
const MAX_ATTEMPTS = 5;

/** The plan's own commands (contract §9): closing a period. Admins only. */
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
  async close(@Param('period') label: string, @Body() body: unknown, @Req() req: AuthenticatedRequest) {
    if (body !== undefined && body !== null && !isRecord(body)) {
      throw ApiError.of(400, 'invalid_input', 'the body must be an object', [{ field: 'body', message: 'must be empty or {reason}' }]);
    }
    const parsed = parseClosePeriod(label, body ?? {});
    if (!parsed.ok) throw new ApiError(domainErrorAnswer(parsed.error));
    const streamId = planStreamId(parsed.command.period.year);
    for (let attempt = 1; ; attempt++) {
      const events = await this.store.readStream(streamId);
      const state = events.reduce(
        (s, e) => evolvePlan(s, { type: e.type, occurredAt: e.occurredAt, data: e.data } as PlanEvent),
        EMPTY_PLAN,
      );
      const decision = decideClosePeriod(parsed.command, state, {
        now: new Date(),
        timeZone: this.reference.timezone,
        headPosition: await this.store.headPosition(),
      });
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
        return { period: event.data.period, closedPosition: event.data.position, position: stored.position, eventId: stored.eventId };
      } catch (error) {
        if (!(error instanceof StreamVersionConflict) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }
}
