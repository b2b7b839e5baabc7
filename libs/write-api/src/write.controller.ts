import { Body, Controller, Headers, Inject, Param, Post, Req, Res, applyDecorators } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiCreatedResponse, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { parseCommand } from '@app/domain';
import { ApiErrors, REFERENCE_DATA, Roles, errorAnswer, type Answer, type AuthenticatedRequest } from '@app/platform';
import type { ReferenceData } from '@app/reference-data';
import { ExecuteWrites } from './execute-writes.handler';
import {
  CorrectProjectDto,
  DropProjectDto,
  RecordActivityDto,
  RecordFundInvestmentDto,
  RecordVisitDto,
  RegisterLeadDto,
  SignProjectDto,
  StartProjectDto,
  ACTIVITY_WRITTEN_SCHEMA,
  PROJECT_WRITTEN_SCHEMA,
  bodyShapeIssues,
  sameOrNested,
} from '@app/dtos';
import { isAnswer, parseWriteRequest, type WriteCommandType, type WriteRequest } from './write-request';

export const WRITE_HEADERS = { idempotencyKey: 'idempotency-key', ifMatch: 'if-match' } as const;

/** Sends a write's answer; an accepted one's position is logged with the request. */
export async function sendAnswer(answer: Answer, req: AuthenticatedRequest, reply: FastifyReply): Promise<void> {
  const position = (answer.body as { position?: unknown }).position;
  if (typeof position === 'number') req.position = position;
  await reply.status(answer.status).send(answer.body);
}

export const IDEMPOTENCY_KEY_HEADER = ApiHeader({
  name: 'Idempotency-Key',
  required: false,
  description:
    'Makes the call safe to send again (after a timeout, a 503…). Scoped to the API key. The same key with the same body ' +
    'answers what the first call answered (same status and body) and writes nothing more; with another body: 422 ' +
    '`idempotency_key_reused`. A refused call (4xx) is not remembered. Kept IDEMPOTENCY_RETENTION_DAYS (30) days. ' +
    '1 to 200 characters, no control characters.',
  schema: { type: 'string', minLength: 1, maxLength: 200, example: 'erp-order-2025-000123' },
});

const IF_MATCH_HEADER = ApiHeader({
  name: 'If-Match',
  required: false,
  description:
    "The version the project's stream must be at (the `version` of the last answer about it); otherwise 409 " +
    '`version_conflict` and nothing is written. `"3"` and `W/"3"` are accepted too.',
  schema: { type: 'integer', minimum: 1, example: 3 },
});

/** The headers and the 201 answer of a single command; If-Match only for a command on a stream that exists. */
const WriteCall = (stream: 'new project' | 'project' | 'activity') =>
  applyDecorators(
    IDEMPOTENCY_KEY_HEADER,
    ...(stream === 'project' ? [IF_MATCH_HEADER] : []),
    ApiCreatedResponse({
      description: 'stored: the new version of the stream, the position of the event (for `minPosition`) and its id',
      schema: stream === 'activity' ? ACTIVITY_WRITTEN_SCHEMA : PROJECT_WRITTEN_SCHEMA,
    }),
  );

/** The single-command endpoints of contract §4: each is a batch of one. */
@ApiTags('write')
@ApiErrors(400, 401, 403, 404, 409, 413, 415, 422, 429, 503)
@Roles('admin', 'writer', 'partner')
@Controller('v1')
export class WriteController {
  constructor(
    private readonly commandBus: CommandBus,
    @Inject(REFERENCE_DATA) private readonly reference: ReferenceData,
  ) {}

  @Post('projects')
  @WriteCall('new project')
  @ApiOperation({ summary: 'Register a lead (LeadRegistered); projectId optional' })
  @ApiBody({ type: RegisterLeadDto })
  register(
    @Body() body: unknown,
    @Headers() headers: Record<string, string>,
    @Req() req: AuthenticatedRequest,
    @Res() reply: FastifyReply,
  ) {
    return this.run('RegisterLead', body, undefined, headers, req, reply);
  }

  @Post('projects/:id/visits')
  @WriteCall('project')
  @ApiOperation({ summary: 'Record a visit (VisitRecorded)' })
  @ApiBody({ type: RecordVisitDto })
  visit(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers() headers: Record<string, string>,
    @Req() req: AuthenticatedRequest,
    @Res() reply: FastifyReply,
  ) {
    return this.run('RecordVisit', body, id, headers, req, reply);
  }

  @Post('projects/:id/fund-investments')
  @WriteCall('project')
  @ApiOperation({ summary: 'Record a fund investment (FundInvestmentMade)' })
  @ApiBody({ type: RecordFundInvestmentDto })
  fundInvestment(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers() headers: Record<string, string>,
    @Req() req: AuthenticatedRequest,
    @Res() reply: FastifyReply,
  ) {
    return this.run('RecordFundInvestment', body, id, headers, req, reply);
  }

  @Post('projects/:id/signing')
  @WriteCall('project')
  @ApiOperation({ summary: 'Sign the project (ProjectSigned)' })
  @ApiBody({ type: SignProjectDto })
  sign(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers() headers: Record<string, string>,
    @Req() req: AuthenticatedRequest,
    @Res() reply: FastifyReply,
  ) {
    return this.run('SignProject', body, id, headers, req, reply);
  }

  @Post('projects/:id/start')
  @WriteCall('project')
  @ApiOperation({ summary: 'Start the project (ProjectStarted)' })
  @ApiBody({ type: StartProjectDto })
  start(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers() headers: Record<string, string>,
    @Req() req: AuthenticatedRequest,
    @Res() reply: FastifyReply,
  ) {
    return this.run('StartProject', body, id, headers, req, reply);
  }

  @Post('projects/:id/corrections')
  @WriteCall('project')
  @ApiOperation({ summary: 'Correct facts of the project (ProjectCorrected)' })
  @ApiBody({ type: CorrectProjectDto })
  correct(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers() headers: Record<string, string>,
    @Req() req: AuthenticatedRequest,
    @Res() reply: FastifyReply,
  ) {
    return this.run('CorrectProject', body, id, headers, req, reply);
  }

  @Post('projects/:id/drop')
  @WriteCall('project')
  @ApiOperation({ summary: 'Drop the project before signing (ProjectDropped)' })
  @ApiBody({ type: DropProjectDto })
  drop(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers() headers: Record<string, string>,
    @Req() req: AuthenticatedRequest,
    @Res() reply: FastifyReply,
  ) {
    return this.run('DropProject', body, id, headers, req, reply);
  }

  @Post('activities')
  @WriteCall('activity')
  @ApiOperation({ summary: 'Record a promotion activity (ActivityHeld); activityId optional' })
  @ApiBody({ type: RecordActivityDto })
  activity(
    @Body() body: unknown,
    @Headers() headers: Record<string, string>,
    @Req() req: AuthenticatedRequest,
    @Res() reply: FastifyReply,
  ) {
    return this.run('RecordActivity', body, undefined, headers, req, reply);
  }

  private async run(
    type: WriteCommandType,
    body: unknown,
    pathId: string | undefined,
    headers: Record<string, string>,
    req: AuthenticatedRequest,
    reply: FastifyReply,
  ): Promise<void> {
    const request = parseWriteRequest(type, body, {
      pathId,
      idempotencyKey: headers[WRITE_HEADERS.idempotencyKey],
      ifMatch: headers[WRITE_HEADERS.ifMatch],
    });
    const refused = isAnswer(request) ? request : await this.shapeRefusal(type, request);
    const [answer] = refused
      ? [refused]
      : await this.commandBus.execute<ExecuteWrites, Answer[]>(new ExecuteWrites(req.principal!, [request as WriteRequest]));
    await sendAnswer(answer, req, reply);
  }

  /**
   * The body checked against its DTO. When that finds a fault, the domain's parser names its
   * own too (a code not in the reference data, a time without an offset…): one 400 names
   * every bad field, in the domain's words where both found it.
   */
  private async shapeRefusal(type: WriteCommandType, request: WriteRequest): Promise<Answer | null> {
    const shape = await bodyShapeIssues(type, request.fields);
    if (shape.length === 0) return null;
    const parsed = parseCommand(request.fields, { ref: this.reference, now: new Date() });
    const domain = !parsed.ok && parsed.error.kind === 'invalid_input' ? parsed.error.details : [];
    const details = [...domain, ...shape.filter((issue) => !domain.some((d) => sameOrNested(d.field, issue.field)))];
    return errorAnswer(400, 'invalid_input', `invalid input: ${details.map((d) => d.field).join(', ')}`, details);
  }
}
