import {
  EVENT_SCHEMA_VERSION,
  EVENT_TYPES,
  FACT_NAMES,
  activityFactSchemas,
  changesSchema,
  factSchemas,
  fundSchema,
  multilineSchema,
  uuidSchema,
  visitDirectionSchema,
  wanSchema,
  type DomainEvent,
  type JsonSchema,
} from '@app/domain';
import { TOPIC_MAX_MESSAGE_BYTES } from './limits';
import { KEY_ID_HEADER, SIGNATURE_HEADER } from './signing';
import { topicNames } from './topics';

const object = (required: string[], properties: Record<string, JsonSchema>): JsonSchema => ({
  type: 'object',
  additionalProperties: false,
  required,
  properties,
});

/** Each event type's `data`, as the deciders write it (times in UTC, texts trimmed, credit codes upper-case). */
export const EVENT_DATA_SCHEMAS: Readonly<Record<DomainEvent['type'], JsonSchema>> = {
  LeadRegistered: object(['projectId', ...FACT_NAMES], { projectId: uuidSchema, ...factSchemas }),
  VisitRecorded: object(['projectId', 'direction'], { projectId: uuidSchema, direction: visitDirectionSchema, note: multilineSchema }),
  FundInvestmentMade: object(['projectId', 'fund', 'amountWan'], {
    projectId: uuidSchema,
    fund: fundSchema,
    amountWan: wanSchema('amount'),
  }),
  ProjectSigned: object(['projectId', 'signedAmountWan'], { projectId: uuidSchema, signedAmountWan: wanSchema('signed amount') }),
  ProjectStarted: object(['projectId', 'startedInvestmentWan'], {
    projectId: uuidSchema,
    startedInvestmentWan: wanSchema('started investment'),
  }),
  ProjectCorrected: object(['projectId', 'changes', 'reason'], { projectId: uuidSchema, changes: changesSchema, reason: multilineSchema }),
  ProjectDropped: object(['projectId', 'reason'], { projectId: uuidSchema, reason: multilineSchema }),
  ActivityHeld: object(['activityId', ...Object.keys(activityFactSchemas)], { activityId: uuidSchema, ...activityFactSchemas }),
  PeriodClosed: object(['period', 'position'], {
    period: { type: 'string', pattern: '^\\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$', example: '2025-Q1' },
    position: { type: 'integer', minimum: 0, description: "the store's last committed position when the period was closed" },
    reason: multilineSchema,
  }),
  TargetChanged: object(['code', 'scope', 'period', 'target', 'comparator', 'reason'], {
    code: { type: 'string', example: 'signed_total_wan' },
    scope: { type: 'string', description: '`city` or a unit code' },
    period: { type: 'string', pattern: '^\\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$' },
    target: { type: ['number', 'null'], minimum: 0, description: 'null removes the target' },
    comparator: { type: 'string', enum: ['>=', '>'] },
    reason: multilineSchema,
  }),
};

const EVENT_DESCRIPTIONS: Readonly<Record<DomainEvent['type'], string>> = {
  LeadRegistered: 'A project is registered as a lead (线索): the first event of its stream.',
  VisitRecorded: 'A visit: the investor came to the city (inbound, 迎进来) or we went to them (outbound, 走出去).',
  FundInvestmentMade: 'A municipal or unit fund invested in the project.',
  ProjectSigned: 'The project was signed (签约), once.',
  ProjectStarted: 'Construction started (开工), once, after signing.',
  ProjectCorrected: 'Facts corrected; stage dates may move the stage into another period. `occurredAt` is when the correction was made.',
  ProjectDropped: 'The project was dropped before signing.',
  ActivityHeld: 'A promotion activity (招商活动): the first and only event of its stream.',
  PeriodClosed: "A period of the plan's year was closed (关账): its report as of `position` is what was reported (contract §9).",
  TargetChanged: 'A target of the plan was set, changed or removed; in force from its record time (contract §9).',
};

const actorSchema = object(['kind', 'id'], {
  kind: { type: 'string', enum: ['team', 'partner', 'user', 'system'] },
  id: { type: 'string' },
});

/** The envelope of an event of `type` (contract §2), with its `data`. */
export function envelopeSchema(type: DomainEvent['type']): JsonSchema {
  const stream =
    type === 'ActivityHeld'
      ? 'activity-[0-9a-f-]{36}'
      : type === 'PeriodClosed' || type === 'TargetChanged'
        ? 'plan-\\d{4}'
        : 'project-[0-9a-f-]{36}';
  return object(['eventId', 'type', 'streamId', 'version', 'position', 'occurredAt', 'recordedAt', 'schemaVersion', 'actor', 'data'], {
    eventId: uuidSchema,
    type: { type: 'string', const: type },
    streamId: { type: 'string', pattern: `^${stream}$`, description: 'the stream: also the message key' },
    version: { type: 'integer', minimum: 1, description: '1-based, per stream, gap-free' },
    position: { type: 'integer', minimum: 1, description: 'global, increasing in commit order: consumers de-duplicate by it' },
    occurredAt: { type: 'string', format: 'date-time', description: 'business time, UTC' },
    recordedAt: { type: 'string', format: 'date-time', description: 'when the store committed it, UTC' },
    schemaVersion: { type: 'integer', const: EVENT_SCHEMA_VERSION },
    actor: actorSchema,
    data: EVENT_DATA_SCHEMAS[type],
  });
}

/** A KPI result as the snapshot topic carries it (contract §3). */
export const KPI_RESULT_SCHEMA: JsonSchema = object(
  ['code', 'label', 'scope', 'period', 'actual', 'target', 'comparator', 'progress', 'status'],
  {
    code: { type: 'string', example: 'signed_total_wan' },
    label: { type: 'string', description: 'Chinese, from the targets file' },
    scope: { type: 'string', description: '`city` or a unit code' },
    period: { type: 'string', pattern: '^\\d{4}(-Q[1-4]|-\\d{2})?$', example: '2025-Q1' },
    actual: { type: ['number', 'null'], description: 'null only for a share with nothing to share' },
    target: { type: ['number', 'null'] },
    comparator: { type: ['string', 'null'], enum: ['>=', '>', null] },
    progress: { type: ['number', 'null'], description: 'actual ÷ target' },
    status: { type: ['string', 'null'], enum: ['met', 'on_track', 'behind', null] },
    targetHistory: {
      type: 'array',
      description: "the targets file's entry, then each TargetChanged recorded by the report's time",
      items: object(['target', 'comparator', 'actor', 'actorName', 'reason', 'recordedAt'], {
        target: { type: ['number', 'null'] },
        comparator: { type: ['string', 'null'], enum: ['>=', '>', null] },
        actor: actorSchema,
        actorName: { type: ['string', 'null'] },
        reason: { type: ['string', 'null'] },
        recordedAt: { type: ['string', 'null'], format: 'date-time' },
      }),
    },
  },
);

const stringHeader = (description: string): JsonSchema => ({ type: 'string', description });

/**
 * The AsyncAPI 3 document of the three topics (contract §5): keys, headers, the envelope and
 * a JSON Schema for every event payload and for the KPI snapshot. Served at
 * /docs/asyncapi.json; `prefix` is KAFKA_TOPIC_PREFIX, the servers KAFKA_BROKERS (the local broker when none).
 */
export function asyncApiDocument(prefix = '', configuredBrokers: readonly string[] = []): Record<string, unknown> {
  const topics = topicNames(prefix);
  const brokers = configuredBrokers.length > 0 ? configuredBrokers : ['127.0.0.1:9092'];
  const kafkaKey = (description: string) => ({ kafka: { key: { type: 'string', description }, bindingVersion: '0.5.0' } });
  const eventMessages = Object.fromEntries(
    EVENT_TYPES.map((type) => [
      type,
      {
        name: type,
        title: type,
        summary: EVENT_DESCRIPTIONS[type],
        contentType: 'application/json',
        headers: object(['type', 'position', KEY_ID_HEADER, SIGNATURE_HEADER], {
          type: { type: 'string', const: type },
          position: stringHeader('the event position, in decimal'),
          [KEY_ID_HEADER]: stringHeader('the id of the key that signed the message (one of EVENT_SIGNING_KEYS)'),
          [SIGNATURE_HEADER]: stringHeader(
            "base64 HMAC-SHA256 of the message value's bytes with that key: a message whose signature fails is not an event",
          ),
        }),
        payload: envelopeSchema(type),
        bindings: kafkaKey('the stream id (`project-<uuid>` or `activity-<uuid>`): per-stream order'),
      },
    ]),
  );
  const messageRefs = (names: readonly string[]) => Object.fromEntries(names.map((n) => [n, { $ref: `#/components/messages/${n}` }]));
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Investment pipeline — events and KPI snapshots',
      version: '1.0.0',
      description:
        'Every stored event is published to the events topic through a transactional outbox, at least once and in order per stream ' +
        '(de-duplicate by `position`, or by stream and `version`). Messages that a consumer cannot apply go to the DLQ with the reason ' +
        `in their headers. Topics take messages of at most ${TOPIC_MAX_MESSAGE_BYTES} bytes; every topic name carries the deployment's prefix (KAFKA_TOPIC_PREFIX). ` +
        'The topics are closed: clients authenticate with SASL/SCRAM-SHA-512 and are authorized by ACL (the relay alone writes the events ' +
        'topic; the projector and KAFKA_READERS read it; BI principals read the KPI snapshots). The relay signs every envelope (headers ' +
        '`kid`, `sig`); a consumer applies only messages whose signature verifies.',
    },
    defaultContentType: 'application/json',
    servers: Object.fromEntries(
      brokers.map((host, i) => [
        `broker${i + 1}`,
        { host, protocol: 'kafka', description: 'a Kafka broker', security: [{ $ref: '#/components/securitySchemes/scram' }] },
      ]),
    ),
    channels: {
      events: {
        address: topics.events,
        title: 'events',
        description: 'Every event of the store, keyed by stream id.',
        messages: messageRefs(EVENT_TYPES),
      },
      eventsDlq: {
        address: topics.eventsDlq,
        title: 'dead letters',
        description: 'Messages of the events topic that could not be applied, as consumed, with the error in the headers.',
        messages: { deadLetter: { $ref: '#/components/messages/deadLetter' } },
      },
      kpiSnapshots: {
        address: topics.kpiSnapshots,
        title: 'KPI snapshots (compacted)',
        description:
          "The latest result of each KPI for the plan year's year and quarters, keyed `<code>|<scope>|<period>`; sent when it changes.",
        messages: { kpiResult: { $ref: '#/components/messages/kpiResult' } },
      },
    },
    operations: {
      publishEvents: {
        action: 'send',
        channel: { $ref: '#/channels/events' },
        summary: 'The relay publishes the store in commit order.',
        messages: EVENT_TYPES.map((t) => ({ $ref: `#/channels/events/messages/${t}` })),
      },
      consumeEvents: {
        action: 'receive',
        channel: { $ref: '#/channels/events' },
        summary: 'The projector (and any consumer) applies the events.',
        messages: EVENT_TYPES.map((t) => ({ $ref: `#/channels/events/messages/${t}` })),
      },
      deadLetter: {
        action: 'send',
        channel: { $ref: '#/channels/eventsDlq' },
        summary: 'The projector sets aside what it cannot apply.',
        messages: [{ $ref: '#/channels/eventsDlq/messages/deadLetter' }],
      },
      publishKpiSnapshots: {
        action: 'send',
        channel: { $ref: '#/channels/kpiSnapshots' },
        summary: 'The projector publishes changed KPI results.',
        messages: [{ $ref: '#/channels/kpiSnapshots/messages/kpiResult' }],
      },
    },
    components: {
      securitySchemes: {
        scram: {
          type: 'scramSha512',
          description: 'SASL/SCRAM-SHA-512 (SASL_PLAINTEXT): one principal per service; ACLs decide what each may read and write.',
        },
      },
      messages: {
        ...eventMessages,
        deadLetter: {
          name: 'deadLetter',
          title: 'dead letter',
          summary: 'A message of the events topic as it was consumed (its value may be anything).',
          headers: object(['error', 'source-topic', 'source-partition', 'source-offset'], {
            type: stringHeader('as on the original message'),
            position: stringHeader('as on the original message'),
            error: stringHeader('why it could not be applied'),
            'source-topic': stringHeader('where it was consumed'),
            'source-partition': stringHeader('its partition there'),
            'source-offset': stringHeader('its offset there'),
            [KEY_ID_HEADER]: stringHeader('as on the original message, if any'),
            [SIGNATURE_HEADER]: stringHeader('as on the original message, if any'),
            'applied-from-store': stringHeader(
              "a message whose signature failed, claiming the position of a stored event: that event's position, applied from the store instead",
            ),
          }),
          payload: {},
          bindings: kafkaKey('as consumed'),
        },
        kpiResult: {
          name: 'kpiResult',
          title: 'KPI result',
          contentType: 'application/json',
          payload: KPI_RESULT_SCHEMA,
          bindings: kafkaKey('`<code>|<scope>|<period>`, e.g. `signed_total_wan|city|2025-Q1`'),
        },
      },
    },
  };
}
