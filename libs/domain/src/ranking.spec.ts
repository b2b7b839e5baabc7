import { rankUnits, type RankedResult } from './ranking';

const results = (unit: string, statuses: Array<RankedResult['status']>, signedTotal: number): RankedResult[] => [
  ...statuses.map((status, i) => ({ code: `unit.kpi${i}`, scope: unit, actual: 1, status })),
  { code: 'unit.signed_total_wan', scope: unit, actual: signedTotal, status: null },
];

describe('rankUnits (单位排名)', () => {
  it('ranks by KPIs met, then by the signed total, then by unit code', () => {
    const ranked = rankUnits([
      ...results('d-b', ['met', 'behind', 'on_track'], 500),
      ...results('d-a', ['met', 'behind', 'behind'], 500),
      ...results('z-c', ['met', 'met', 'behind'], 10),
      ...results('z-d', ['met', 'on_track', 'behind'], 900),
    ]);
    expect(ranked.map((r) => [r.rank, r.unit, r.met, r.behind, r.signedTotalWan])).toEqual([
      [1, 'z-c', 2, 1, 10],
      [2, 'z-d', 1, 1, 900],
      [3, 'd-a', 1, 2, 500],
      [4, 'd-b', 1, 1, 500],
    ]);
    expect(ranked[0].results).toHaveLength(4);
  });

  it('answers nothing for no results', () => {
    expect(rankUnits([])).toEqual([]);
  });
});
