import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FUND_LEVELS, UNIT_KINDS, isOneOf, type FundLevel, type Period, type ReferenceCatalog, type UnitKind } from '@app/domain';

/** One KPI target of the plan, as the targets file states it. */
export interface TargetDefinition {
  readonly code: string;
  readonly label: string;
  readonly period: 'year' | 'Q1' | 'Q2' | 'Q3' | 'Q4';
  readonly comparator: '>=' | '>';
  readonly target: number;
  /** Unit targets only: the unit kind it applies to. */
  readonly kind?: UnitKind;
}

export interface Plan {
  readonly name: string;
  readonly year: number;
  readonly thresholds: Readonly<Record<string, unknown>>;
  /** The quality rules' thresholds (contract §9: amountRaisedPct, quarterEndDays, amountCutPct); the defaults where absent. */
  readonly quality: Readonly<Record<string, number>>;
  /** The cockpit's 预警 (contract §8): leads and negotiations idle `deadLeadDays` or more are lost, not stalled. */
  readonly alerts: Alerts;
  readonly city: readonly TargetDefinition[];
  readonly unit: readonly TargetDefinition[];
}

export interface Alerts {
  readonly deadLeadDays: number;
}

/** What the targets file's `alerts` section holds when it leaves a value out. */
export const DEFAULT_ALERTS: Alerts = { deadLeadDays: 365 };

export interface ReferenceData extends ReferenceCatalog {
  readonly cityName: string;
  readonly plan: Plan;
}

/** The targets file's entries of a scope: the city's, or those of a unit's kind. */
export function targetsOf(reference: ReferenceData, scope: string): readonly TargetDefinition[] {
  if (scope === 'city') return reference.plan.city;
  const kind = reference.units.get(scope)?.kind;
  return reference.plan.unit.filter((t) => t.kind === kind);
}

/** The targets file's entry for a KPI of a scope and period, if it sets one (it sets none for months). */
export function fileTargetOf(reference: ReferenceData, scope: string, code: string, period: Period): TargetDefinition | undefined {
  const key = period.kind === 'year' ? 'year' : period.kind === 'quarter' ? `Q${period.quarter}` : null;
  return targetsOf(reference, scope).find((t) => t.code === code && t.period === key);
}

/** The project's own copy (`reference/` at the top, found from sources and from the build alike). */
export function defaultReferenceDir(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'reference', 'units.json'))) return join(dir, 'reference');
  }
  throw new ReferenceDataError(`no reference/ folder above ${__dirname}; set REFERENCE_DIR`);
}

export class ReferenceDataError extends Error {}

/**
 * Loads units, chains, funds and targets and checks them: a broken file stops the app at
 * start with a message naming the file and the entry, rather than failing a request later.
 */
export function loadReferenceData(
  dir: string = process.env.REFERENCE_DIR || defaultReferenceDir(),
  targetsName: string = process.env.TARGETS_FILE || 'targets-2025.json',
): ReferenceData {
  const problems: string[] = [];
  const read = (file: string): Record<string, unknown> => {
    try {
      return JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new ReferenceDataError(`cannot read ${join(dir, file)}: ${(error as Error).message}`);
    }
  };
  const unitsFile = read('units.json');
  const chainsFile = read('industry-chains.json');
  const fundsFile = read('funds.json');
  const targetsFile = read(targetsName);

  const units = new Map<string, { kind: UnitKind; name: string }>();
  for (const [i, u] of list(unitsFile.units, 'units.json: units', problems).entries()) {
    if (!isCode(u.code) || !isOneOf(UNIT_KINDS, u.kind) || typeof u.name !== 'string') {
      problems.push(`units.json: units[${i}] needs code, kind (${UNIT_KINDS.join('|')}) and name`);
    } else if (units.has(u.code)) problems.push(`units.json: unit ${u.code} appears twice`);
    else units.set(u.code, { kind: u.kind, name: u.name });
  }
  const chains = new Map<string, { name: string }>();
  for (const [i, c] of list(chainsFile.chains, 'industry-chains.json: chains', problems).entries()) {
    if (!isCode(c.code) || typeof c.name !== 'string') problems.push(`industry-chains.json: chains[${i}] needs code and name`);
    else chains.set(c.code, { name: c.name });
  }
  const funds = new Map<string, { level: FundLevel; name: string }>();
  for (const [i, f] of list(fundsFile.funds, 'funds.json: funds', problems).entries()) {
    if (!isCode(f.code) || !isOneOf(FUND_LEVELS, f.level) || typeof f.name !== 'string') {
      problems.push(`funds.json: funds[${i}] needs code, level (${FUND_LEVELS.join('|')}) and name`);
    } else if (f.level === 'unit' && !(typeof f.unit === 'string' && units.has(f.unit))) {
      problems.push(`funds.json: fund ${f.code} names unknown unit ${String(f.unit)}`);
    } else funds.set(f.code, { level: f.level, name: f.name });
  }
  const timezone = targetsFile.timezone;
  if (typeof timezone !== 'string' || !isTimeZone(timezone)) problems.push(`${targetsName}: timezone must be an IANA zone`);
  if (typeof targetsFile.year !== 'number') problems.push(`${targetsName}: year must be a number`);
  const city = targets(targetsFile.city, `${targetsName}: city`, 'city', problems);
  const unit = targets(targetsFile.unit, `${targetsName}: unit`, 'unit', problems);
  const alerts = alertsOf(targetsFile.alerts, targetsName, problems);
  if (problems.length > 0) throw new ReferenceDataError(`reference data in ${dir} is invalid:\n- ${problems.join('\n- ')}`);

  return {
    cityName: String(unitsFile.city ?? ''),
    units,
    chains,
    funds,
    timezone: timezone as string,
    plan: {
      name: String(targetsFile.plan ?? ''),
      year: targetsFile.year as number,
      thresholds: (targetsFile.thresholds ?? {}) as Record<string, unknown>,
      quality: (targetsFile.quality ?? {}) as Record<string, number>,
      alerts,
      city,
      unit,
    },
  };
}

function list(value: unknown, where: string, problems: string[]): Record<string, unknown>[] {
  if (!Array.isArray(value)) {
    problems.push(`${where} must be a list`);
    return [];
  }
  return value as Record<string, unknown>[];
}

function targets(value: unknown, where: string, scope: 'city' | 'unit', problems: string[]): TargetDefinition[] {
  return list(value, where, problems).filter((t, i) => {
    const ok =
      typeof t.code === 'string' &&
      typeof t.label === 'string' &&
      isOneOf(['year', 'Q1', 'Q2', 'Q3', 'Q4'], t.period) &&
      isOneOf(['>=', '>'], t.comparator) &&
      typeof t.target === 'number' &&
      (scope === 'city' || isOneOf(UNIT_KINDS, t.kind));
    if (!ok) problems.push(`${where}[${i}] needs code, label, period, comparator, target${scope === 'unit' ? ', kind' : ''}`);
    return ok;
  }) as unknown as TargetDefinition[];
}

function alertsOf(value: unknown, file: string, problems: string[]): Alerts {
  if (value === undefined) return DEFAULT_ALERTS;
  const section = value as Record<string, unknown>;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) problems.push(`${file}: alerts must be an object`);
  else if (section.deadLeadDays !== undefined && !(Number.isInteger(section.deadLeadDays) && (section.deadLeadDays as number) >= 1))
    problems.push(`${file}: alerts.deadLeadDays must be a whole number of days, 1 or more`);
  else return { deadLeadDays: (section.deadLeadDays as number | undefined) ?? DEFAULT_ALERTS.deadLeadDays };
  return DEFAULT_ALERTS;
}

const isCode = (value: unknown): value is string => typeof value === 'string' && /^[a-z0-9][a-z0-9_-]*$/.test(value);

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
