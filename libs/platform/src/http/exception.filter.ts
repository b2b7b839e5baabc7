import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { isTransientDatabaseError } from '../database/transient';
import type { Logger } from '../logger';
import { ApiError, errorAnswer, type Answer } from './api-error';

const CODES: Record<number, string> = {
  400: 'invalid_input',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  414: 'uri_too_long',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'rule_violation',
  429: 'rate_limited',
  503: 'unavailable',
};

/** What the request got wrong when a status is raised before any route ran. */
const FIELD_AT_FAULT: Record<number, string> = { 400: 'body', 413: 'body', 414: 'path', 415: 'content-type' };

type FrameworkError = { statusCode?: number; code?: string; message?: string } | null;

/** Turns any error into the error body of contract §4; an unexpected one is logged and answered 500. */
export function toAnswer(error: unknown, logger: Logger): { answer: Answer; headers: Readonly<Record<string, string>> } {
  if (error instanceof ApiError) return { answer: error.answer, headers: error.headers };
  // Refused before a route ran (by Fastify or Nest): the path, the body or its media type. Say which, as every 4xx does.
  const framework = error instanceof HttpException ? { statusCode: error.getStatus(), message: error.message } : (error as FrameworkError);
  if (typeof framework?.statusCode === 'number' && framework.statusCode >= 400 && framework.statusCode < 500) {
    const status = framework.statusCode;
    const message = framework.message ?? 'request refused';
    const field = FIELD_AT_FAULT[status] ?? null;
    const details = field === null ? [] : [{ field, message }];
    return { answer: errorAnswer(status, CODES[status] ?? 'error', message, details), headers: {} };
  }
  if (isTransientDatabaseError(error)) {
    logger.warn({ err: error }, 'database unavailable');
    const unavailable = ApiError.unavailable('the database is unavailable; retry');
    return { answer: unavailable.answer, headers: unavailable.headers };
  }
  logger.error({ err: error }, 'unhandled error');
  return { answer: errorAnswer(500, 'internal', 'internal error'), headers: {} };
}

@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { answer, headers } = toAnswer(error, this.logger);
    void reply.status(answer.status).headers(headers).send(answer.body);
  }
}
