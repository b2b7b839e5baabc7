/** Fixed vocabularies of contract §1. Units, chains and funds are reference data, not listed here. */

export const CHANNELS = [
  'fund',
  'intermediary',
  'university',
  'industry_chain',
  'park_vc',
  'research_institute',
  'overseas',
  'live_commerce',
  'platform',
  'event',
  'other',
] as const;
export type Channel = (typeof CHANNELS)[number];

export const ORIGIN_REGIONS = [
  'jjj',
  'yrd',
  'gba',
  'henan',
  'other_domestic',
  'hkmo',
  'europe_us',
  'japan_korea',
  'asean',
  'central_asia',
  'other_overseas',
] as const;
export type OriginRegion = (typeof ORIGIN_REGIONS)[number];

export const SECTORS = ['emerging', 'future', 'other'] as const;
export type Sector = (typeof SECTORS)[number];

export const VISIT_DIRECTIONS = ['inbound', 'outbound'] as const;
export type VisitDirection = (typeof VISIT_DIRECTIONS)[number];

export const ACTIVITY_KINDS = ['outbound', 'inbound', 'conference'] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];

export const UNIT_KINDS = ['zone', 'district', 'special'] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];

export const FUND_LEVELS = ['municipal', 'unit'] as const;
export type FundLevel = (typeof FUND_LEVELS)[number];

/**
 * The largest amount accepted, in 万元 (10^10 万元 = 100 万亿元). Larger values are typing
 * mistakes, and sums of many such amounts stay exact in IEEE doubles and in bigint columns.
 */
export const MAX_AMOUNT_WAN = 10_000_000_000;

/** Longest free text kept (names, notes, reasons, titles). */
export const MAX_TEXT_LENGTH = 2000;

export function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}
