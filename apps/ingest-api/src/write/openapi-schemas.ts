import { ACTIVITY_KINDS, CHANNELS, MAX_AMOUNT_WAN, MAX_TEXT_LENGTH, ORIGIN_REGIONS, SECTORS, VISIT_DIRECTIONS } from '@app/domain';
import { MAX_BODY_DEPTH } from '@app/platform';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import type { WriteCommandType } from './write-request';

/** Request bodies for the OpenAPI document; the deciders remain the authority on every rule. */
const time = {
  type: 'string',
  format: 'date-time',
  example: '2025-03-31T20:00:00+08:00',
  description: 'business time, with offset; a real calendar instant from 2000-01-01 to 24 h after the server clock',
};
const wan = (description: string, minimum = 1) => ({ type: 'integer', minimum, maximum: MAX_AMOUNT_WAN, description: `${description} (万元)` });
/** A name: at least one visible character; no control characters. */
const text = {
  type: 'string',
  minLength: 1,
  maxLength: MAX_TEXT_LENGTH,
  description: 'no NUL, unpaired surrogates or control characters; at least one character that is neither white space nor a format character',
};
/** A note or reason: tab and line breaks allowed too. */
const multiline = { ...text, description: 'no NUL, unpaired surrogates or control characters other than tab, CR and LF' };
const investor = {
  type: 'object',
  required: ['name', 'originRegion'],
  properties: {
    name: text,
    creditCode: { type: 'string', minLength: 18, maxLength: 18, description: 'unified social credit code' },
    originRegion: { type: 'string', enum: ORIGIN_REGIONS },
    top500: { type: 'boolean' },
  },
};
const facts = {
  name: text,
  investor,
  industry: {
    type: 'object',
    required: ['chain', 'sector'],
    properties: { chain: { type: 'string', description: 'code from industry-chains.json' }, sector: { type: 'string', enum: SECTORS } },
  },
  industrial: { type: 'boolean', description: '工业项目' },
  channels: { type: 'array', minItems: 1, maxItems: CHANNELS.length, uniqueItems: true, items: { type: 'string', enum: CHANNELS } },
  unit: { type: 'string', description: 'code from units.json' },
  plannedInvestmentWan: wan('planned investment', 0),
};

const SCHEMAS: Record<WriteCommandType, { required: string[]; properties: Record<string, unknown> }> = {
  RegisterLead: {
    required: ['name', 'investor', 'industry', 'industrial', 'channels', 'unit', 'plannedInvestmentWan', 'occurredAt'],
    properties: { projectId: { type: 'string', format: 'uuid' }, ...facts, occurredAt: time },
  },
  RecordVisit: { required: ['direction', 'occurredAt'], properties: { direction: { type: 'string', enum: VISIT_DIRECTIONS }, note: multiline, occurredAt: time } },
  RecordFundInvestment: {
    required: ['fund', 'amountWan', 'occurredAt'],
    properties: { fund: { type: 'string', description: 'code from funds.json' }, amountWan: wan('amount'), occurredAt: time },
  },
  SignProject: { required: ['signedAmountWan', 'occurredAt'], properties: { signedAmountWan: wan('signed amount'), occurredAt: time } },
  StartProject: { required: ['startedInvestmentWan', 'occurredAt'], properties: { startedInvestmentWan: wan('started investment'), occurredAt: time } },
  CorrectProject: {
    required: ['changes', 'reason', 'occurredAt'],
    properties: {
      changes: {
        type: 'object',
        minProperties: 1,
        properties: {
          ...facts,
          signedAmountWan: wan('signed amount'),
          startedInvestmentWan: wan('started investment'),
          signedAt: time,
          startedAt: time,
        },
      },
      reason: multiline,
      occurredAt: { ...time, description: 'when the correction was made' },
    },
  },
  DropProject: { required: ['reason', 'occurredAt'], properties: { reason: multiline, occurredAt: time } },
  RecordActivity: {
    required: ['kind', 'title', 'region', 'unit', 'occurredAt'],
    properties: {
      activityId: { type: 'string', format: 'uuid' },
      kind: { type: 'string', enum: ACTIVITY_KINDS },
      title: text,
      region: { type: 'string', enum: ORIGIN_REGIONS },
      unit: { type: 'string', description: 'code from units.json' },
      occurredAt: time,
    },
  },
};

export function commandSchema(type: WriteCommandType): SchemaObject {
  return {
    type: 'object',
    additionalProperties: false,
    description: `JSON (application/json) nested at most ${MAX_BODY_DEPTH} levels deep`,
    ...SCHEMAS[type],
  } as SchemaObject;
}
