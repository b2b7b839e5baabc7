/**
 * 单位排名 (contract §8): every unit ranked by the number of its unit KPIs met, then by
 * `unit.signed_total_wan`, then by unit code. Pure, shared by the cockpit and the monthly report.
 */

/** The fields of a KPI result the ranking reads. */
export interface RankedResult {
  readonly code: string;
  readonly scope: string;
  readonly actual: number | null;
  readonly status: 'met' | 'on_track' | 'behind' | null;
}

export interface UnitRank<R extends RankedResult = RankedResult> {
  readonly rank: number;
  readonly unit: string;
  /** Unit KPIs met. */
  readonly met: number;
  /** Unit KPIs behind the share of the period elapsed (or missed once it has ended). */
  readonly behind: number;
  readonly signedTotalWan: number;
  /** The unit's results, in the order given. */
  readonly results: readonly R[];
}

export const UNIT_SIGNED_TOTAL = 'unit.signed_total_wan';

export function rankUnits<R extends RankedResult>(results: readonly R[]): UnitRank<R>[] {
  const byUnit = new Map<string, R[]>();
  for (const result of results) {
    const list = byUnit.get(result.scope);
    if (list) list.push(result);
    else byUnit.set(result.scope, [result]);
  }
  return [...byUnit]
    .map(([unit, list]) => ({
      unit,
      met: list.filter((r) => r.status === 'met').length,
      behind: list.filter((r) => r.status === 'behind').length,
      signedTotalWan: list.find((r) => r.code === UNIT_SIGNED_TOTAL)?.actual ?? 0,
      results: list,
    }))
    .sort((a, b) => b.met - a.met || b.signedTotalWan - a.signedTotalWan || (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0))
    .map((entry, i) => ({ rank: i + 1, ...entry }));
}
