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
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'rule_violation',
  429: 'rate_limited',
  503: 'unavailable',
};

/** Turns any error into the SPEC §4 error body; an unexpected one is logged and answered 500. */
export function toAnswer(error: unknown, logger: Logger): { answer: Answer; headers: Readonly<Record<string, string>> } {
  if (error instanceof ApiError) return { answer: error.answer, headers: error.headers };
  if (error instanceof HttpException) {
    const status = error.getStatus();
    return { answer: errorAnswer(status, CODES[status] ?? 'error', error.message), headers: {} };
  }
  const fastifyError = error as { statusCode?: number; code?: string; message?: string };
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    const status = fastifyError.statusCode;
    const message =
      status === 400 && fastifyError.code?.startsWith('FST_ERR_CTP') ? `the body is not valid JSON: ${fastifyError.message}` : fastifyError.message;
    return { answer: errorAnswer(status, CODES[status] ?? 'error', message ?? 'request refused'), headers: {} };
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
