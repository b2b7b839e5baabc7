import { createHash } from 'node:crypto';
import type { QualityFlag } from '@app/domain';
import type { Principal } from '@app/platform';
import type { Contribution, ProjectScope } from '@app/read-models';

/**
 * The scope of reads (contract §6), one rule: project-level data is scoped, aggregates are not.
 * - Projects (state, history, lists, exports): SQL conditions from `projectScopeOf`, built by the
 *   read models' one `scopeConditions`.
 * - Per-project items inside derived reads (KPI changes, quality flags): `itemsInScope`, by each
 *   item's project's (or activity's) current unit.
 * - Aggregates: every internal role sees them all; a partner the city's only (`visibleUnitResults`).
 */

/** Which projects a caller may see: a partner those it registered; a reader or writer limited to units those units'; else all. */
export function projectScopeOf(principal: Principal): ProjectScope {
  if (principal.role === 'partner') return { registeredByPartner: principal.partnerId ?? principal.id };
  if (principal.units !== null && principal.role !== 'admin') return { units: principal.units };
  return {};
}

/** The unit results of an aggregate a caller sees: all of them, but none for a partner (the city's aggregates only). */
export function visibleUnitResults<T extends { scope: string }>(principal: Principal, results: readonly T[]): T[] {
  return principal.role === 'partner' ? [] : [...results];
}

/** Every other unit's part of a KPI change, merged: the contributions still add up to the delta. */
export interface OtherUnits {
  readonly type: 'other_units';
  readonly delta: number;
}

/** Where the current unit of the projects and events a derived read names is looked up (Reports.unitsOf). */
export interface ItemUnits {
  unitsOf(
    projectIds: readonly string[],
    eventIds: readonly string[],
  ): Promise<{ projects: ReadonlyMap<string, string>; events: ReadonlyMap<string, string> }>;
}

/** A derived read's per-project items, of one kind or the other. */
export type DerivedItems = { kind: 'changes'; contributions: readonly Contribution[] } | { kind: 'flags'; flags: readonly QualityFlag[] };

/**
 * The per-project items of a derived read as the caller may see them: all of them, unless it is
 * limited to units; then an item of its units' projects (or activities, by their current unit)
 * as it is; in KPI changes, the others merged into one `other_units` entry; a quality flag naming
 * another unit's project names it by its unit code only (no project id, event id, amount — and
 * an id that does not carry the event's); a flag touching none of its units is left out.
 */
export async function itemsInScope(
  principal: Principal,
  items: Extract<DerivedItems, { kind: 'changes' }>,
  lookup: ItemUnits,
): Promise<Array<Contribution | OtherUnits>>;
export async function itemsInScope(
  principal: Principal,
  items: Extract<DerivedItems, { kind: 'flags' }>,
  lookup: ItemUnits,
): Promise<QualityFlag[]>;
export async function itemsInScope(
  principal: Principal,
  items: DerivedItems,
  lookup: ItemUnits,
): Promise<Array<Contribution | OtherUnits> | QualityFlag[]> {
  const { units } = projectScopeOf(principal);
  if (!units) return items.kind === 'changes' ? [...items.contributions] : [...items.flags];
  const known =
    items.kind === 'changes'
      ? await lookup.unitsOf(
          [],
          items.contributions.map((c) => c.eventId),
        )
      : await lookup.unitsOf(
          items.flags.flatMap((f) => f.projectIds),
          items.flags.flatMap((f) => f.eventIds),
        );
  const mine = (unit: string | undefined) => unit !== undefined && units.includes(unit);
  const ownProject = (projectId: string) => mine(known.projects.get(projectId));
  const ownEvent = (eventId: string) => mine(known.events.get(eventId));

  if (items.kind === 'changes') {
    const own = items.contributions.filter((c) => ownEvent(c.eventId));
    const others = items.contributions.filter((c) => !ownEvent(c.eventId));
    if (others.length === 0) return own;
    // Shares' deltas are to 10 decimals (contract §9); so is their sum.
    const delta = Math.round(others.reduce((sum, c) => sum + c.delta, 0) * 1e10) / 1e10;
    return [...own, { type: 'other_units', delta }];
  }

  return items.flags
    .flatMap((flag): QualityFlag[] => {
      const projectIds = flag.projectIds.filter(ownProject);
      const eventIds = flag.eventIds.filter(ownEvent);
      if (projectIds.length === flag.projectIds.length && eventIds.length === flag.eventIds.length) {
        return flag.units.some(mine) || projectIds.length > 0 ? [flag] : [];
      }
      if (projectIds.length === 0 && !flag.units.some(mine)) return [];
      const opaque = createHash('sha256').update(flag.id).digest('hex').slice(0, 32);
      // A group's detail (duplicate_claim: the investor's identity and chain) is its own project's too; another's detail is its own.
      return [{ ...flag, id: `${flag.rule}:${opaque}`, projectIds, eventIds, detail: projectIds.length > 0 ? flag.detail : {} }];
    })
    .sort((a, b) => a.position - b.position || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
