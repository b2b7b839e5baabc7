import { ACTIVITY_KINDS, CHANNELS, MAX_AMOUNT_WAN, MAX_TEXT_LENGTH, ORIGIN_REGIONS, SECTORS, VISIT_DIRECTIONS } from './vocabulary';

/**
 * The shapes of commands and events as JSON Schema, for the published documents (OpenAPI
 * for the commands, AsyncAPI for the events). Plain data built from the vocabulary, so the
 * documents cannot drift from the code; the deciders remain the authority on every rule.
 */
export type JsonSchema = Record<string, unknown>;

export const uuidSchema: JsonSchema = { type: 'string', format: 'uuid' };
export const timeSchema: JsonSchema = {
  type: 'string',
  format: 'date-time',
  example: '2025-03-31T20:00:00+08:00',
  description: 'business time, with offset; a real calendar instant from 2000-01-01 to 24 h after the server clock',
};
export const wanSchema = (description: string, minimum = 1): JsonSchema => ({
  type: 'integer',
  minimum,
  maximum: MAX_AMOUNT_WAN,
  description: `${description} (万元)`,
});
/** A name: at least one visible character; no control characters. */
export const textSchema: JsonSchema = {
  type: 'string',
  minLength: 1,
  maxLength: MAX_TEXT_LENGTH,
  description:
    'no NUL, unpaired surrogates or control characters; at least one character that is neither white space nor a format character',
};
/** A note or reason: tab and line breaks allowed too. */
export const multilineSchema: JsonSchema = {
  ...textSchema,
  description: 'no NUL, unpaired surrogates or control characters other than tab, CR and LF',
};
const code = (file: string, example: string): JsonSchema => ({ type: 'string', description: `code from reference/${file}`, example });

export const investorSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'originRegion'],
  properties: {
    name: { ...textSchema, example: '某汽车集团有限公司' },
    creditCode: {
      type: 'string',
      minLength: 18,
      maxLength: 18,
      description: 'unified social credit code (check character verified)',
      example: '91350100M000100Y43',
    },
    originRegion: { type: 'string', enum: ORIGIN_REGIONS },
    top500: { type: 'boolean' },
  },
};

/** The facts a lead states and a correction may change. */
export const factSchemas: Readonly<Record<string, JsonSchema>> = {
  name: { ...textSchema, example: '新能源汽车零部件项目' },
  investor: investorSchema,
  industry: {
    type: 'object',
    additionalProperties: false,
    required: ['chain', 'sector'],
    properties: { chain: code('industry-chains.json', 'nev'), sector: { type: 'string', enum: SECTORS } },
  },
  industrial: { type: 'boolean', description: '工业项目' },
  channels: { type: 'array', minItems: 1, maxItems: CHANNELS.length, uniqueItems: true, items: { type: 'string', enum: CHANNELS } },
  unit: code('units.json', 'zz-airport'),
  plannedInvestmentWan: wanSchema('planned investment', 0),
};
export const FACT_NAMES = ['name', 'investor', 'industry', 'industrial', 'channels', 'unit', 'plannedInvestmentWan'];

/** What a correction may change: any facts, the stage amounts and the stage dates. */
export const changesSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    ...factSchemas,
    signedAmountWan: wanSchema('signed amount'),
    startedInvestmentWan: wanSchema('started investment'),
    signedAt: timeSchema,
    startedAt: timeSchema,
  },
};

export const visitDirectionSchema: JsonSchema = { type: 'string', enum: VISIT_DIRECTIONS };
export const activityFactSchemas: Readonly<Record<string, JsonSchema>> = {
  kind: { type: 'string', enum: ACTIVITY_KINDS },
  title: textSchema,
  region: { type: 'string', enum: ORIGIN_REGIONS },
  unit: code('units.json', 'zz-airport'),
};
export const fundSchema = code('funds.json', 'zz-angel-fund');
