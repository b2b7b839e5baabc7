import type { QualityFlag } from '@app/domain';
import type { Principal } from '@app/platform';
import type { Contribution } from '@app/read-models';
import { itemsInScope, projectScopeOf, visibleUnitResults, type ItemUnits } from './read-scope';

const person = (role: Principal['role'], units: string[] | null, partnerId: string | null = null): Principal => ({
  id: 'p',
  name: 'p',
  role,
  units,
  partnerId,
});
const airport = person('writer', ['zz-airport']);
const admin = person('admin', null);

/** Projects a (airport), b (hitech); events ea1, ea2 of a, eb of b, act of an airport activity. */
const lookup: ItemUnits = {
  unitsOf: async () => ({
    projects: new Map([
      ['a', 'zz-airport'],
      ['b', 'zz-hitech'],
    ]),
    events: new Map([
      ['ea1', 'zz-airport'],
      ['ea2', 'zz-airport'],
      ['eb', 'zz-hitech'],
      ['act', 'zz-airport'],
    ]),
  }),
};

const contribution = (eventId: string, projectId: string | null, delta: number): Contribution => ({
  eventId,
  type: 'ProjectSigned',
  projectId,
  recordedAt: '2025-05-01T00:00:00.000Z',
  occurredAt: '2025-03-01T00:00:00.000Z',
  actor: { kind: 'team', id: 'k' },
  delta,
});

const flag = (id: string, position: number, units: string[], projectIds: string[], eventIds: string[], detail = {}): QualityFlag => ({
  id,
  rule: 'duplicate_claim',
  period: '2025',
  units,
  projectIds,
  eventIds,
  detail,
  position,
});

describe('the scope of reads', () => {
  it('the projects: a partner its own, a unit-limited reader or writer its units, an admin (even with units) all', () => {
    expect(projectScopeOf(person('partner', null, 'fund-a'))).toEqual({ registeredByPartner: 'fund-a' });
    expect(projectScopeOf(person('reader', ['zz-airport']))).toEqual({ units: ['zz-airport'] });
    expect(projectScopeOf(person('admin', ['zz-airport']))).toEqual({});
  });

  it('aggregates: every unit for every internal role, none for a partner', () => {
    const results = [{ scope: 'zz-airport' }, { scope: 'zz-hitech' }];
    expect(visibleUnitResults(airport, results)).toEqual(results);
    expect(visibleUnitResults(person('partner', null, 'f'), results)).toEqual([]);
  });

  it("KPI changes: the caller's units' contributions as they are, the others merged into one other_units entry that keeps the sum", async () => {
    const contributions = [
      contribution('ea1', 'a', 0.1),
      contribution('eb', 'b', 0.2),
      contribution('act', null, 1),
      contribution('ex', 'x', -0.3),
    ];
    const scoped = await itemsInScope(airport, { kind: 'changes', contributions }, lookup);
    expect(scoped).toEqual([contributions[0], contributions[2], { type: 'other_units', delta: -0.1 }]);
    expect(await itemsInScope(admin, { kind: 'changes', contributions }, lookup)).toEqual(contributions);
    expect(await itemsInScope(airport, { kind: 'changes', contributions: [contributions[0]] }, lookup)).toEqual([contributions[0]]);
  });

  it("quality flags: its own as they are, another unit's project by its unit code only, none touching its units left out", async () => {
    const own = flag('duplicate_claim:own', 1, ['zz-airport'], ['a'], ['ea1']);
    const mixed = flag('duplicate_claim:2025|code:X|nev', 2, ['zz-airport', 'zz-hitech'], ['b', 'a'], ['eb', 'ea2'], { chain: 'nev' });
    const moved = flag('late_entry_closed_period:2025-Q1:eb', 3, ['zz-airport', 'zz-hitech'], ['b'], ['eb'], { signedAt: ['x', 'y'] });
    const theirs = flag('amount_raised_after_signing:eb', 4, ['zz-hitech'], ['b'], ['eb'], { correctedToWan: 9 });
    const scoped = await itemsInScope(airport, { kind: 'flags', flags: [theirs, moved, own, mixed] }, lookup);
    expect(scoped.map((f) => f.position)).toEqual([1, 2, 3]);
    expect(scoped[0]).toEqual(own);
    expect(scoped[1]).toMatchObject({ units: ['zz-airport', 'zz-hitech'], projectIds: ['a'], eventIds: ['ea2'], detail: { chain: 'nev' } });
    expect(scoped[2]).toMatchObject({ units: ['zz-airport', 'zz-hitech'], projectIds: [], eventIds: [], detail: {} });
    for (const redacted of scoped.slice(1)) {
      expect(redacted.id).toMatch(/^duplicate_claim:[0-9a-f]{32}$/);
      expect(redacted.id).not.toContain('eb');
    }
    expect(await itemsInScope(admin, { kind: 'flags', flags: [theirs] }, lookup)).toEqual([theirs]);
  });
});
