import {
  ACTIVITY_KINDS,
  activityFactSchemas,
  EVENT_TYPES,
  KPI_STATUS_NAMES,
  QUALITY_RULES,
  STAGE_NAMES,
  codeSchema,
  factSchemas,
  uuidSchema,
  type JsonSchema,
} from '@app/domain';
import { BREAKDOWN_DIMENSIONS } from '@app/read-models';

/**
 * The answers of the read API as JSON Schema (OpenAPI 3.0: `nullable`, no type lists), so that
 * a client generated from the document knows what each read answers. Answers may gain fields;
 * the ones listed are always there.
 */

const object = (properties: Record<string, JsonSchema>, description?: string): JsonSchema => ({
  type: 'object',
  required: Object.keys(properties),
  properties,
  ...(description ? { description } : {}),
});
const arrayOf = (items: JsonSchema, description?: string): JsonSchema => ({
  type: 'array',
  items,
  ...(description ? { description } : {}),
});
/** OpenAPI 3.0's null: `nullable`, and null among the values of an enum. */
const nullable = (schema: JsonSchema): JsonSchema => ({
  ...schema,
  nullable: true,
  ...(Array.isArray(schema.enum) ? { enum: [...schema.enum, null] } : {}),
});
const integer = (description?: string): JsonSchema => ({ type: 'integer', ...(description ? { description } : {}) });
const number = (description?: string): JsonSchema => ({ type: 'number', ...(description ? { description } : {}) });
const text = (description?: string): JsonSchema => ({ type: 'string', ...(description ? { description } : {}) });
const instant = (description?: string): JsonSchema => ({ type: 'string', format: 'date-time', ...(description ? { description } : {}) });

const position = integer('every event up to this position is in the answer: a later read may pass it as minPosition');
const asOf = instant('the record time the answer is as of: the time asked, or when the current answer was computed');
const periodLabel: JsonSchema = {
  type: 'string',
  example: '2025-Q1',
  description: '`2025`, `2025-Q1`, `2025-03` or `2025-01/06` (toMonth)',
};
const stage: JsonSchema = { type: 'string', enum: Object.keys(STAGE_NAMES), description: '线索 / 在谈 / 签约 / 开工 / 终止' };
const comparator: JsonSchema = nullable({ type: 'string', enum: ['>=', '>'] });
const actor = object({ kind: { type: 'string', enum: ['team', 'partner', 'user', 'system'] }, id: text() });
const unit = factSchemas.unit;

const KPI_RESULT = object({
  code: text('a KPI of contract §3'),
  label: text('Chinese, from the targets file'),
  scope: text('`city` or a unit code'),
  period: periodLabel,
  actual: nullable(number('null only for a share with nothing to share')),
  target: nullable(number('null where the plan sets none for the period')),
  comparator,
  progress: nullable(number('actual ÷ target')),
  status: nullable({ type: 'string', enum: Object.keys(KPI_STATUS_NAMES), description: '达标 / 序时推进 / 滞后' }),
  targetHistory: arrayOf(
    object({
      target: nullable(number()),
      comparator,
      actor,
      actorName: nullable(text()),
      reason: nullable(text()),
      recordedAt: nullable(instant('null for the targets file')),
    }),
    "the targets file's entry, then each change recorded by the report's time",
  ),
  reported: nullable(number('a closed period: the figure as reported at its close (关账), else null')),
  restated: nullable(number('a closed period: actual − reported, else null')),
});

/** GET /v1/kpis and /v1/kpis/units. */
export const KPI_REPORT_SCHEMA = object({ period: periodLabel, asOf, position, kpis: arrayOf(KPI_RESULT) });

/** A project's current state (GET /v1/projects/{id}, the items of GET /v1/projects). */
export const PROJECT_SCHEMA = object({
  projectId: uuidSchema,
  version: integer("the stream's version: If-Match for the next write"),
  stage,
  name: text(),
  investor: factSchemas.investor,
  industry: factSchemas.industry,
  industrial: factSchemas.industrial,
  channels: factSchemas.channels,
  unit,
  plannedInvestmentWan: integer('万元'),
  leadAt: instant(),
  signedAmountWan: nullable(integer('万元')),
  signedAt: nullable(instant()),
  startedInvestmentWan: nullable(integer('万元')),
  startedAt: nullable(instant()),
  visits: object({ inbound: integer(), outbound: integer() }),
  fundInvestedWan: integer('万元'),
  lastEventAt: instant('business time of the latest event'),
});

export const PROJECTS_PAGE_SCHEMA = object({
  items: arrayOf(PROJECT_SCHEMA),
  nextCursor: nullable({ ...uuidSchema, description: 'the cursor of the next page; null on the last' }),
  position,
});

/** A stored event with its envelope (contract §2); `data` per type is in /docs/asyncapi.json. */
export const HISTORY_SCHEMA = arrayOf(
  object({
    eventId: uuidSchema,
    type: { type: 'string', enum: [...EVENT_TYPES] },
    streamId: text(),
    version: integer(),
    position: integer(),
    occurredAt: instant('business time, UTC'),
    recordedAt: instant('when the store committed it'),
    schemaVersion: integer(),
    actor,
    actorName: nullable(text("the person's display name, or the API key's name")),
    data: { type: 'object', additionalProperties: true, description: "the event's data: its schema per type in /docs/asyncapi.json" },
  }),
);

export const FUNNEL_SCHEMA = object({
  period: periodLabel,
  cohort: text(),
  stages: object(Object.fromEntries(Object.keys(STAGE_NAMES).map((s) => [s, integer()]))),
  reached: object({ lead: integer(), signed: integer(), started: integer() }),
  conversion: object({ leadToSigned: nullable(number()), signedToStarted: nullable(number()) }),
  medianDays: object({ leadToSigned: nullable(number()), signedToStarted: nullable(number()) }),
  position,
});

export const BREAKDOWN_SCHEMA = object({
  period: periodLabel,
  by: { type: 'string', enum: [...BREAKDOWN_DIMENSIONS] },
  rows: arrayOf(
    object({
      key: text('the code of the channel, region, unit or chain'),
      name: nullable(text('the Chinese name of a unit or a chain')),
      lead: object({ count: integer(), plannedWan: integer(), dropped: integer() }),
      signed: object({ count: integer(), amountWan: integer() }),
      started: object({ count: integer(), amountWan: integer() }),
    }),
  ),
  asOf,
  position,
});

const codeAndName = (list: Parameters<typeof codeSchema>[0], more: Record<string, JsonSchema> = {}) =>
  arrayOf(object({ code: codeSchema(list), name: text('Chinese'), ...more }));

/** GET /v1/reference: every code a client may send, with its Chinese name. */
export const REFERENCE_SCHEMA = object({
  units: codeAndName('units', { kind: { type: 'string', enum: ['zone', 'district', 'special'] } }),
  chains: codeAndName('chains'),
  funds: codeAndName('funds', { level: { type: 'string', enum: ['municipal', 'unit'] } }),
  channels: codeAndName('channels'),
  regions: codeAndName('regions'),
  sectors: codeAndName('sectors'),
  timezone: text('IANA zone of business dates and periods'),
  planYear: integer(),
  planName: text(),
  cityName: text(),
});

export const PERIODS_SCHEMA = object({
  year: integer(),
  closes: arrayOf(
    object({
      period: periodLabel,
      closedPosition: integer("the store's last committed position when closed"),
      closedAt: instant(),
      reason: nullable(text()),
      eventId: uuidSchema,
      position: integer(),
      recordedAt: instant(),
      actor,
    }),
  ),
});

export const KPI_CHANGES_SCHEMA = object({
  code: text(),
  scope: text(),
  period: periodLabel,
  from: object({ asOf: instant(), actual: nullable(number()) }),
  to: object({ asOf: instant(), actual: nullable(number()) }),
  delta: nullable(number('to.actual − from.actual: the contributions add up to it')),
  contributions: arrayOf(
    object({
      eventId: uuidSchema,
      type: { type: 'string', enum: [...EVENT_TYPES] },
      projectId: nullable(uuidSchema),
      recordedAt: instant(),
      occurredAt: instant(),
      actor,
      delta: number("the KPI's value just after the event minus just before"),
    }),
  ),
});

export const QUALITY_FLAGS_SCHEMA = object({
  items: arrayOf(
    object({
      id: text(),
      rule: { type: 'string', enum: [...QUALITY_RULES] },
      period: periodLabel,
      units: arrayOf(unit),
      projectIds: arrayOf(uuidSchema),
      eventIds: arrayOf(uuidSchema),
      detail: { type: 'object', additionalProperties: true, description: 'the evidence, by rule' },
    }),
  ),
  nextCursor: nullable(text()),
});

export const STALLED_SCHEMA = object({
  days: integer(),
  count: integer('every stalled project, of which items lists the longest idle'),
  items: arrayOf(object({ projectId: uuidSchema, name: text(), unit, stage, lastEventAt: instant() })),
  asOf,
  position,
});

export const TREND_SCHEMA = object({
  year: integer(),
  scope: text('`city` or a unit code'),
  asOf,
  position,
  targets: object({ signedWan: nullable(number()), startedWan: nullable(number()) }),
  months: arrayOf(
    object({
      month: { type: 'string', example: '2025-03' },
      signedWan: integer(),
      startedWan: integer(),
      signedCumulativeWan: integer(),
      startedCumulativeWan: integer(),
    }),
  ),
});

export const ACTIVITIES_PAGE_SCHEMA = object({
  items: arrayOf(
    object({
      activityId: uuidSchema,
      kind: { type: 'string', enum: [...ACTIVITY_KINDS] },
      title: text(),
      region: activityFactSchemas.region,
      unit,
      occurredAt: instant(),
    }),
  ),
  nextCursor: nullable(text()),
  position,
});

export const INVESTOR_PROJECTS_SCHEMA = object({
  projects: arrayOf({
    type: 'object',
    required: ['unit'],
    properties: { projectId: uuidSchema, name: text(), unit },
    description: 'a project the key may not see is named by its unit only',
  }),
});

export const PROJECTIONS_STATUS_SCHEMA = object({
  projections: arrayOf(object({ name: text(), position: integer(), lagEvents: integer(), lagMs: integer() })),
});

export const POSITION_SCHEMA = object({ position: integer() });
