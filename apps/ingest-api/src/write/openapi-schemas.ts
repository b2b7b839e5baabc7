import {
  activityFactSchemas,
  changesSchema,
  factSchemas,
  fundSchema,
  multilineSchema,
  timeSchema,
  uuidSchema,
  visitDirectionSchema,
  wanSchema,
} from '@app/domain';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { MAX_BODY_DEPTH } from '@app/platform';
import type { WriteCommandType } from './write-request';

/** Request bodies for the OpenAPI document, from the domain's schemas; the deciders remain the authority on every rule. */
const SCHEMAS: Record<WriteCommandType, { required: string[]; properties: Record<string, unknown> }> = {
  RegisterLead: {
    required: ['name', 'investor', 'industry', 'industrial', 'channels', 'unit', 'plannedInvestmentWan', 'occurredAt'],
    properties: { projectId: uuidSchema, ...factSchemas, occurredAt: timeSchema },
  },
  RecordVisit: {
    required: ['direction', 'occurredAt'],
    properties: { direction: visitDirectionSchema, note: multilineSchema, occurredAt: timeSchema },
  },
  RecordFundInvestment: {
    required: ['fund', 'amountWan', 'occurredAt'],
    properties: { fund: fundSchema, amountWan: wanSchema('amount'), occurredAt: timeSchema },
  },
  SignProject: {
    required: ['signedAmountWan', 'occurredAt'],
    properties: { signedAmountWan: wanSchema('signed amount'), occurredAt: timeSchema },
  },
  StartProject: {
    required: ['startedInvestmentWan', 'occurredAt'],
    properties: { startedInvestmentWan: wanSchema('started investment'), occurredAt: timeSchema },
  },
  CorrectProject: {
    required: ['changes', 'reason', 'occurredAt'],
    properties: {
      changes: changesSchema,
      reason: multilineSchema,
      occurredAt: { ...timeSchema, description: 'when the correction was made' },
    },
  },
  DropProject: { required: ['reason', 'occurredAt'], properties: { reason: multilineSchema, occurredAt: timeSchema } },
  RecordActivity: {
    required: ['kind', 'title', 'region', 'unit', 'occurredAt'],
    properties: { activityId: uuidSchema, ...activityFactSchemas, occurredAt: timeSchema },
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
