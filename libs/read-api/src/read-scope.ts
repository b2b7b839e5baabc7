import type { Principal } from '@app/platform';
import type { ProjectScope } from '@app/read-models';

/**
 * What a key may read (contract §6): a partner only the projects it registered; a reader or
 * writer limited to units only those units' projects and unit KPIs; everyone the city's
 * aggregates. Others read everything.
 */
export function projectScopeOf(principal: Principal): ProjectScope {
  if (principal.role === 'partner') return { registeredByPartner: principal.partnerId ?? principal.id };
  if (principal.units !== null && principal.role !== 'admin') return { units: principal.units };
  return {};
}

/** Keeps the unit results a key may see. */
export function visibleUnitResults<T extends { scope: string }>(principal: Principal, results: readonly T[]): T[] {
  const { units } = projectScopeOf(principal);
  return units ? results.filter((r) => units.includes(r.scope)) : [...results];
}
