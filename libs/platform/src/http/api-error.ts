import type { DomainError, FieldIssue } from '@app/domain';

/** The error body of contract §4: `{error: {code, message, details}}`. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details: readonly FieldIssue[] };
}

/** An answer of the HTTP API: a status and a JSON body (what a batch item carries too). */
export interface Answer {
  readonly status: number;
  readonly body: unknown;
}

export function errorAnswer(status: number, code: string, message: string, details: readonly FieldIssue[] = []): Answer {
  const body: ErrorBody = { error: { code, message, details } };
  return { status, body };
}

export function domainErrorAnswer(error: DomainError): Answer {
  switch (error.kind) {
    case 'invalid_input':
      return errorAnswer(400, 'invalid_input', error.message, error.details);
    case 'not_found':
      return errorAnswer(404, 'not_found', error.message);
    case 'already_exists':
      return errorAnswer(409, 'already_exists', error.message);
    case 'rule_violation':
      return errorAnswer(422, error.code, error.message);
  }
}

/** Thrown by guards and controllers; the exception filter renders it. */
export class ApiError extends Error {
  constructor(
    readonly answer: Answer,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super((answer.body as ErrorBody).error.message);
  }

  static of(status: number, code: string, message: string, details: readonly FieldIssue[] = []): ApiError {
    return new ApiError(errorAnswer(status, code, message, details));
  }

  /**
   * 503: a dependency failed (contract §6) and nothing was written; the same request (with the
   * same idempotency key) may be sent again after `Retry-After`. `extra` joins the body.
   */
  static unavailable(message: string, retryAfterSeconds = 1, extra: Record<string, unknown> = {}): ApiError {
    const body = { error: { code: 'unavailable', message, details: [], retryable: true }, ...extra };
    return new ApiError({ status: 503, body }, { 'retry-after': String(retryAfterSeconds) });
  }
}
