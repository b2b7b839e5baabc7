import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { isRecord } from '@app/domain';
import { BATCH_ANSWER_SCHEMA } from '@app/dtos';
import { ApiErrors, ApiError, Roles, type Answer, type AuthenticatedRequest } from '@app/platform';
import { ExecuteWrites } from './execute-writes.handler';
import { parseWriteRequest, type WriteRequest } from './write-request';

export const MAX_BATCH_COMMANDS = 1000;

@ApiTags('write')
@ApiErrors(400, 401, 403, 413, 415, 429, 503)
@Roles('admin', 'writer', 'partner')
@Controller('v1')
export class BatchController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('batch')
  @HttpCode(200)
  @ApiResponse({
    status: 200,
    description: 'each command answered in order with the status and body its single call would have had',
    schema: BATCH_ANSWER_SCHEMA,
  })
  @ApiOperation({
    summary: `Up to ${MAX_BATCH_COMMANDS} commands, run in order; each answered with the status and body of its single call`,
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['commands'],
      properties: {
        commands: {
          type: 'array',
          maxItems: MAX_BATCH_COMMANDS,
          items: { type: 'object', required: ['type'], properties: { type: { type: 'string' }, commandId: { type: 'string' } } },
        },
      },
    },
  })
  async batch(
    @Body() body: unknown,
    @Req() req: AuthenticatedRequest,
  ): Promise<{ results: { index: number; status: number; body: unknown }[] }> {
    const items = batchItems(body);
    const requests = items.map((item): WriteRequest | Answer => {
      if (!isRecord(item)) return parseWriteRequest(undefined, item);
      const { type, commandId, ...fields } = item;
      return parseWriteRequest(type, fields, { idempotencyKey: commandId, idempotencyKeyField: 'commandId' });
    });
    const answers = await this.commandBus.execute<ExecuteWrites, Answer[]>(new ExecuteWrites(req.principal!, requests));
    const positions = answers.map((a) => (a.body as { position?: unknown }).position).filter((p): p is number => typeof p === 'number');
    if (positions.length > 0) req.position = Math.max(...positions);
    return { results: answers.map((answer, index) => ({ index, status: answer.status, body: answer.body })) };
  }
}

function batchItems(body: unknown): unknown[] {
  if (!isRecord(body) || !Array.isArray(body.commands)) {
    throw ApiError.of(400, 'invalid_input', 'the body must be {"commands": [...]}', [
      { field: 'commands', message: 'must be a list of commands' },
    ]);
  }
  const unknown = Object.keys(body).filter((k) => k !== 'commands');
  if (unknown.length > 0) {
    throw ApiError.of(
      400,
      'invalid_input',
      'unknown fields',
      unknown.map((field) => ({ field, message: 'is not a known field' })),
    );
  }
  if (body.commands.length > MAX_BATCH_COMMANDS) {
    throw ApiError.of(413, 'payload_too_large', `a batch holds at most ${MAX_BATCH_COMMANDS} commands, not ${body.commands.length}`);
  }
  return body.commands;
}
