import { checkBusinessTime } from './business-time';
import { isValidCreditCode } from './credit-code';
import type { FieldIssue } from './errors';
import type { ReferenceCatalog } from './reference-catalog';
import { textProblem, type TextRules } from './text';
import { CHANNELS, MAX_AMOUNT_WAN, MAX_TEXT_LENGTH, ORIGIN_REGIONS, SECTORS, isOneOf } from './vocabulary';

/**
 * Value rules for command fields, shared by the deciders (which refuse with them) and the
 * HTTP edge (which merges them with its shape checks so one answer names every bad field).
 * Each check tolerates a value of the wrong type: it reports it instead of throwing.
 */
export type Issues = FieldIssue[];

export function checkText(issues: Issues, field: string, value: unknown, required = true, rules: TextRules = {}): void {
  if (value === undefined || value === null) {
    if (required) issues.push({ field, message: 'is required' });
    return;
  }
  if (typeof value !== 'string' || value.trim() === '') {
    issues.push({ field, message: 'must be a non-empty string' });
  } else if (value.length > MAX_TEXT_LENGTH) {
    issues.push({ field, message: `must be at most ${MAX_TEXT_LENGTH} characters` });
  } else {
    const problem = textProblem(value, rules);
    if (problem) issues.push({ field, message: problem });
  }
}

/** An amount in 万元: an integer from `min` (0 or 1) to MAX_AMOUNT_WAN. */
export function checkAmount(issues: Issues, field: string, value: unknown, min: 0 | 1): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_AMOUNT_WAN) {
    issues.push({ field, message: `must be an integer from ${min} to ${MAX_AMOUNT_WAN} (万元)` });
  }
}

export function checkBoolean(issues: Issues, field: string, value: unknown, required = true): void {
  if (value === undefined && !required) return;
  if (typeof value !== 'boolean') issues.push({ field, message: 'must be true or false' });
}

export function checkOneOf(issues: Issues, field: string, value: unknown, allowed: readonly string[]): void {
  if (!isOneOf(allowed, value)) issues.push({ field, message: `must be one of: ${allowed.join(', ')}` });
}

export function checkReferenceCode(issues: Issues, field: string, value: unknown, codes: ReadonlyMap<string, unknown>, what: string): void {
  if (typeof value !== 'string' || !codes.has(value)) {
    issues.push({ field, message: `is not a known ${what} code` });
  }
}

export function checkTime(issues: Issues, field: string, value: unknown, now: Date): void {
  const result = checkBusinessTime(value, now);
  if (!result.ok) issues.push({ field, message: result.message });
}

/** Names every key of `value` that is not in `known` (`prefix` is the path of `value`, '' or 'investor.'). */
export function checkKnownFields(issues: Issues, prefix: string, value: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (key !== 'type' && !known.includes(key)) issues.push({ field: `${prefix}${key}`, message: 'is not a known field' });
  }
}

export function checkInvestor(issues: Issues, field: string, value: unknown): void {
  if (!isRecord(value)) {
    issues.push({ field, message: 'must be an object {name, creditCode?, originRegion, top500?}' });
    return;
  }
  checkKnownFields(issues, `${field}.`, value, ['name', 'creditCode', 'originRegion', 'top500']);
  checkText(issues, `${field}.name`, value.name);
  if (value.creditCode !== undefined) {
    if (typeof value.creditCode !== 'string' || value.creditCode.trim().length !== 18) {
      issues.push({ field: `${field}.creditCode`, message: 'must be an 18-character unified social credit code' });
    } else if (!isValidCreditCode(value.creditCode)) {
      issues.push({
        field: `${field}.creditCode`,
        message: 'is not a valid 18-character unified social credit code (check character wrong)',
      });
    }
  }
  checkOneOf(issues, `${field}.originRegion`, value.originRegion, ORIGIN_REGIONS);
  checkBoolean(issues, `${field}.top500`, value.top500, false);
}

export function checkIndustry(issues: Issues, field: string, value: unknown, ref: ReferenceCatalog): void {
  if (!isRecord(value)) {
    issues.push({ field, message: 'must be an object {chain, sector}' });
    return;
  }
  checkKnownFields(issues, `${field}.`, value, ['chain', 'sector']);
  checkReferenceCode(issues, `${field}.chain`, value.chain, ref.chains, 'industry chain');
  checkOneOf(issues, `${field}.sector`, value.sector, SECTORS);
}

export function checkChannels(issues: Issues, field: string, value: unknown): void {
  if (!Array.isArray(value) || value.length === 0) {
    issues.push({ field, message: `must be a non-empty list of: ${CHANNELS.join(', ')}` });
    return;
  }
  value.forEach((channel, i) => checkOneOf(issues, `${field}.${i}`, channel, CHANNELS));
  if (new Set(value).size !== value.length) issues.push({ field, message: 'must not repeat a channel' });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);

export function checkUuid(issues: Issues, field: string, value: unknown): void {
  if (!isUuid(value)) issues.push({ field, message: 'must be a UUID' });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
