import { Body, Controller, Headers, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiErrors, Roles, type Answer, type AuthenticatedRequest } from '@app/platform';
import { ExecuteWrites } from './execute-writes.handler';
import { commandSchema } from './openapi-schemas';
import { isAnswer, parseWriteRequest, type WriteCommandType } from './write-request';

const WRITE_HEADERS = { idempotencyKey: 'idempotency-key', ifMatch: 'if-match' } as const;

/** The single-command endpoints of contract §4: each is a batch of one. */
@ApiTags('write')
@ApiErrors(400, 401, 403, 404, 409, 413, 415, 422, 429, 503)
@ApiResponse({
  status: 201,
  description: 'stored: the new version of the stream, the position of the event (for `minPosition`) and its id',
  schema: {
    type: 'object',
    required: ['version', 'position', 'eventId'],
    properties: {
      projectId: { type: 'string', format: 'uuid', description: 'project commands' },
      activityId: { type: 'string', format: 'uuid', description: 'POST /v1/activities' },
      version: { type: 'integer', minimum: 1 },
      position: { type: 'integer', minimum: 1 },
      eventId: { type: 'string', format: 'uuid' },
    },
  },
})
@Roles('admin', 'writer', 'partner')
@Controller('v1')
export class WriteController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('projects')
  @ApiOperation({ summary: 'Register a lead (LeadRegistered); projectId optional' })
  @ApiBody({ schema: commandSchema('RegisterLead') })
  register(
    @Body() body: unknown,
    @Headers() headers: Record<string, string>,
    @Req() req: AuthenticatedRequest,
    @Res() reply: FastifyReply,
  ) {
    return this.run('RegisterLead', body, undefined, headers, req, reply);
  }

  @Post('projects/:id/visits')
  @ApiOperation({ summary: 'Record a visit (VisitRecorded)' })
  @ApiBody({ schema: commandSchema('RecordVisit') })
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
  @ApiOperation({ summary: 'Record a fund investment (FundInvestmentMade)' })
  @ApiBody({ schema: commandSchema('RecordFundInvestment') })
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
  @ApiOperation({ summary: 'Sign the project (ProjectSigned)' })
  @ApiBody({ schema: commandSchema('SignProject') })
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
  @ApiOperation({ summary: 'Start the project (ProjectStarted)' })
  @ApiBody({ schema: commandSchema('StartProject') })
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
  @ApiOperation({ summary: 'Correct facts of the project (ProjectCorrected)' })
  @ApiBody({ schema: commandSchema('CorrectProject') })
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
  @ApiOperation({ summary: 'Drop the project before signing (ProjectDropped)' })
  @ApiBody({ schema: commandSchema('DropProject') })
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
  @ApiOperation({ summary: 'Record a promotion activity (ActivityHeld); activityId optional' })
  @ApiBody({ schema: commandSchema('RecordActivity') })
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
    const [answer] = isAnswer(request)
      ? [request]
      : await this.commandBus.execute<ExecuteWrites, Answer[]>(new ExecuteWrites(req.principal!, [request]));
    const position = (answer.body as { position?: unknown }).position;
    if (typeof position === 'number') req.position = position;
    await reply.status(answer.status).send(answer.body);
  }
}
