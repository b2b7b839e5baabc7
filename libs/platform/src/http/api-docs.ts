import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse } from '@nestjs/swagger';

/** The error body every 4xx and 5xx answer carries (contract §4), as JSON Schema: the document's component `ErrorBody`. */
export const ERROR_BODY_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: {
        code: { type: 'string', example: 'invalid_input' },
        message: { type: 'string' },
        details: {
          type: 'array',
          description: 'every bad field, by its dotted path in the request',
          items: {
            type: 'object',
            required: ['field', 'message'],
            properties: { field: { type: 'string', example: 'investor.creditCode' }, message: { type: 'string' } },
          },
        },
        retryable: { type: 'boolean', description: '503 only: the same request may be sent again (with the same Idempotency-Key)' },
      },
    },
  },
};

/** Where an answer's schema refers to the error body (a batch item's body may be one). */
export const ERROR_BODY_REF = { $ref: '#/components/schemas/ErrorBody' };

const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'invalid input (every bad field named in `details`), or `unknown_position`',
  401: 'no key, or an unknown or revoked one',
  403: "the key's role or units do not allow it",
  404: 'no such project or activity (or none the key may see)',
  409: 'the id exists already, or If-Match names another version',
  413: 'the body, the batch or an event would be too large',
  415: 'the body is not application/json',
  422: 'a lifecycle rule is broken (`code` names it), or an Idempotency-Key reused with another body',
  429: 'rate limited: see Retry-After',
  503: 'a dependency is unavailable; nothing was written; retry after Retry-After',
};

/** Bearer-key auth and the error answers an operation (or every operation of a controller) may give, with the error body. */
export const ApiErrors = (...statuses: (keyof typeof ERROR_DESCRIPTIONS)[]) =>
  applyDecorators(
    ApiBearerAuth(),
    ...statuses.map((status) => ApiResponse({ status, description: ERROR_DESCRIPTIONS[status], schema: ERROR_BODY_REF })),
  );
