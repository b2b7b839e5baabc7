import { CHANNEL_NAMES, ORIGIN_REGION_NAMES, SECTOR_NAMES } from './labels';
import type { ReferenceCatalog } from './reference-catalog';
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
/**
 * The lists of codes a client sends, as `GET /v1/reference` answers them with their Chinese
 * names. Units, chains and funds are reference data loaded at start, so a schema names its
 * list (`x-code-list`) and the document's builder fills in the codes (withCodeLists).
 */
export const CODE_LISTS = ['units', 'chains', 'funds', 'channels', 'regions', 'sectors'] as const;
export type CodeList = (typeof CODE_LISTS)[number];
export type CodeLists = Readonly<Record<CodeList, readonly { readonly code: string; readonly name: string }[]>>;
export const CODE_LIST_KEY = 'x-code-list' as const;

const CODE_NOUNS: Readonly<Record<CodeList, string>> = {
  units: 'a unit (zone, district or special unit)',
  chains: 'an industry chain',
  funds: 'a fund',
  channels: 'a channel (招商方式)',
  regions: "an investor's origin region",
  sectors: 'a sector',
};
/** A code of one list; `enum` gives the codes known without reference data (the fixed vocabularies). */
export const codeSchema = (list: CodeList, example?: string, enumeration?: readonly string[]): JsonSchema => ({
  type: 'string',
  [CODE_LIST_KEY]: list,
  ...(enumeration ? { enum: enumeration } : {}),
  description: `the code of ${CODE_NOUNS[list]}; GET /v1/reference lists the codes with their Chinese names`,
  ...(example ? { example } : {}),
});
const code = (list: CodeList, example: string): JsonSchema => codeSchema(list, example);

/** Every list's codes and Chinese names: the reference data's units, chains and funds, and the fixed vocabularies. */
export function codeListsOf(reference: ReferenceCatalog): CodeLists {
  const entries = (map: ReadonlyMap<string, { readonly name: string }>) => [...map].map(([code, { name }]) => ({ code, name }));
  const named = (names: Readonly<Record<string, string>>) => Object.entries(names).map(([code, name]) => ({ code, name }));
  return {
    units: entries(reference.units),
    chains: entries(reference.chains),
    funds: entries(reference.funds),
    channels: named(CHANNEL_NAMES),
    regions: named(ORIGIN_REGION_NAMES),
    sectors: named(SECTOR_NAMES),
  };
}

/**
 * A copy of a published document (OpenAPI, AsyncAPI) in which every schema that names a code
 * list (`x-code-list`, on a string or an array of them, or on an OpenAPI parameter) lists that
 * list's codes as its `enum` and their Chinese names as `x-enum-descriptions`, in the same order.
 */
export function withCodeLists<T>(document: T, lists: CodeLists): T {
  const fill = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(fill);
    if (node === null || typeof node !== 'object') return node;
    const copy = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, fill(value)])) as JsonSchema;
    const list = lists[copy[CODE_LIST_KEY] as CodeList] as CodeLists[CodeList] | undefined;
    if (list === undefined) return copy;
    const codes = { enum: list.map((c) => c.code), 'x-enum-descriptions': list.map((c) => c.name) };
    const listed = (schema: JsonSchema): JsonSchema =>
      schema.type === 'array' ? { ...schema, items: { ...(schema.items as JsonSchema), ...codes } } : { ...schema, ...codes };
    // An OpenAPI parameter carries the mark beside its schema.
    if (typeof copy.in === 'string' && copy.schema) return { ...copy, schema: listed(copy.schema as JsonSchema) };
    return listed(copy);
  };
  return fill(document) as T;
}

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
    originRegion: codeSchema('regions', undefined, ORIGIN_REGIONS),
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
    properties: { chain: code('chains', 'nev'), sector: codeSchema('sectors', undefined, SECTORS) },
  },
  industrial: { type: 'boolean', description: '工业项目' },
  channels: {
    type: 'array',
    minItems: 1,
    maxItems: CHANNELS.length,
    uniqueItems: true,
    items: codeSchema('channels', undefined, CHANNELS),
  },
  unit: code('units', 'zz-airport'),
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
  region: codeSchema('regions', undefined, ORIGIN_REGIONS),
  unit: code('units', 'zz-airport'),
};
export const fundSchema = code('funds', 'zz-angel-fund');
