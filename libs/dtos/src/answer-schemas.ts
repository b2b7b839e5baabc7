import { uuidSchema, type JsonSchema } from '@app/domain';
import { ERROR_BODY_REF } from '@app/platform';

/**
 * The success answers of the write API as JSON Schema (OpenAPI 3.0), so that a client
 * generated from the document knows what a write answers.
 */

const written = (idField: 'projectId' | 'activityId'): JsonSchema => ({
  type: 'object',
  required: [idField, 'version', 'position', 'eventId'],
  properties: {
    [idField]: { ...uuidSchema, description: idField === 'projectId' ? 'the project (made by the server when not sent)' : 'the activity' },
    version: { type: 'integer', minimum: 1, description: "the stream's version after the write: the next If-Match" },
    position: { type: 'integer', minimum: 1, description: "the event's position in the store: a read's minPosition" },
    eventId: uuidSchema,
  },
});

/** 201 of a project command (`POST /v1/projects`, `/v1/projects/{id}/…`). */
export const PROJECT_WRITTEN_SCHEMA = written('projectId');
/** 201 of `POST /v1/activities`. */
export const ACTIVITY_WRITTEN_SCHEMA = written('activityId');

/** 200 of `POST /v1/batch`: each command's status and the body its single call would have answered. */
export const BATCH_ANSWER_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['results'],
  properties: {
    results: {
      type: 'array',
      description: 'one per command, in the order sent',
      items: {
        type: 'object',
        required: ['index', 'status', 'body'],
        properties: {
          index: { type: 'integer', minimum: 0 },
          status: { type: 'integer', example: 201, description: '201, or the status of the error its single call would have had' },
          body: { oneOf: [PROJECT_WRITTEN_SCHEMA, ACTIVITY_WRITTEN_SCHEMA, ERROR_BODY_REF] },
        },
      },
    },
  },
};
