import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { call } from '../support/services';
import { startPipeline, type Pipeline } from '../support/pipeline';

/**
 * A property of contract §9 over random histories recorded around a close: for each KPI
 * checked, `reported` is the asOf report at the close, `restated = actual − reported`, and the
 * changes since the close add up to `restated`. Each run closes its own month of 2025.
 */
const UNITS = ['zz-erqi', 'zz-airport'] as const;
const CODES: Array<{ code: string; scope: string }> = [
  { code: 'signed_total_wan', scope: 'city' },
  { code: 'fund_signed_count', scope: 'city' },
  { code: 'emerging_future_share', scope: 'city' },
  { code: 'unit.signed_total_wan', scope: 'zz-erqi' },
  { code: 'unit.mega_signed_count', scope: 'zz-airport' },
  { code: 'inbound_enterprise_count', scope: 'city' },
  { code: 'fund_invested_count', scope: 'city' },
  { code: 'unit.fund_landed_count', scope: 'zz-erqi' },
];
/** Investors' names, few enough that corrections make two projects one investor (and part them again). */
const INVESTORS = ['甲集团', '乙集团', '丙集团'];

interface ProjectSpec {
  unit: (typeof UNITS)[number];
  emerging: boolean;
  fund: boolean;
  /** Day offset of the signing from the month's first day (negative: before it; ≥ 28: maybe after it); null: a lead only. */
  signedDay: number | null;
  amount: number;
  investor: number;
  /** Day offset of an inbound visit, if any; of a municipal fund investment, if any. */
  visitDay: number | null;
  fundDay: number | null;
}

type Later =
  | { kind: 'move'; project: number; day: number }
  | { kind: 'amount'; project: number; amount: number }
  | { kind: 'unit'; project: number; unit: (typeof UNITS)[number] }
  | { kind: 'late'; spec: ProjectSpec }
  | { kind: 'investor'; project: number; investor: number }
  | { kind: 'visit'; project: number; day: number }
  | { kind: 'fund'; project: number; day: number };

const amount = fc.constantFrom(5_000, 20_000, 300_000, 1_200_000);
const day = fc.integer({ min: -3, max: 33 });
const project: fc.Arbitrary<ProjectSpec> = fc.record({
  unit: fc.constantFrom(...UNITS),
  emerging: fc.boolean(),
  fund: fc.boolean(),
  signedDay: fc.option(day, { nil: null }),
  amount,
  investor: fc.nat(INVESTORS.length - 1),
  visitDay: fc.option(day, { nil: null }),
  fundDay: fc.option(day, { nil: null }),
});
const later: fc.Arbitrary<Later> = fc.oneof(
  fc.record({ kind: fc.constant('move' as const), project: fc.nat(9), day }),
  fc.record({ kind: fc.constant('amount' as const), project: fc.nat(9), amount }),
  fc.record({ kind: fc.constant('unit' as const), project: fc.nat(9), unit: fc.constantFrom(...UNITS) }),
  fc.record({ kind: fc.constant('late' as const), spec: project.filter((p) => p.signedDay !== null) }),
  fc.record({ kind: fc.constant('investor' as const), project: fc.nat(9), investor: fc.nat(INVESTORS.length - 1) }),
  fc.record({ kind: fc.constant('visit' as const), project: fc.nat(9), day }),
  fc.record({ kind: fc.constant('fund' as const), project: fc.nat(9), day }),
);

/** Noon in Zhengzhou, `offset` days after the 1st of the month (ISO with +08:00). */
function dayOf(month: number, offset: number): string {
  const date = new Date(Date.UTC(2025, month - 1, 1 + offset, 4, 0, 0));
  return date.toISOString().replace('Z', '+00:00');
}

describe('reported, restated and changes over random histories around a close (property)', () => {
  let pipeline: Pipeline;
  let month = 0;

  beforeAll(async () => {
    pipeline = await startPipeline();
  });
  afterAll(async () => {
    await pipeline.close();
  });

  it('reported = asOf at the close, restated = actual − reported, contributions add up to restated', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(project, { minLength: 2, maxLength: 8 }), fc.array(later, { maxLength: 10 }), async (projects, laters) => {
        month += 1;
        const ids = projects.map(() => randomUUID());
        const signed = new Map<string, boolean>();
        const commands: Record<string, unknown>[] = [];
        const add = (id: string, spec: ProjectSpec) => {
          commands.push({
            type: 'RegisterLead',
            projectId: id,
            name: `性质项目 ${id.slice(0, 6)}`,
            investor: { name: INVESTORS[spec.investor], originRegion: 'yrd' },
            industry: { chain: 'nev', sector: spec.emerging ? 'emerging' : 'other' },
            industrial: true,
            channels: spec.fund ? ['fund'] : ['industry_chain'],
            unit: spec.unit,
            plannedInvestmentWan: 10_000,
            occurredAt: dayOf(month, -20),
          });
          if (spec.visitDay !== null) commands.push(visit(id, spec.visitDay));
          if (spec.fundDay !== null) commands.push(fund(id, spec.fundDay));
          if (spec.signedDay !== null) {
            commands.push({ type: 'SignProject', projectId: id, signedAmountWan: spec.amount, occurredAt: dayOf(month, spec.signedDay) });
            signed.set(id, true);
          }
        };
        const visit = (id: string, offset: number) => ({
          type: 'RecordVisit',
          projectId: id,
          direction: 'inbound',
          occurredAt: dayOf(month, offset),
        });
        const fund = (id: string, offset: number) => ({
          type: 'RecordFundInvestment',
          projectId: id,
          fund: 'zz-central-city-fund',
          amountWan: 1_000,
          occurredAt: dayOf(month, offset),
        });
        projects.forEach((spec, i) => add(ids[i], spec));
        await settle(await pipeline.batch(commands));
        const closed = await call(pipeline.ingestUrl, 'POST', `/v1/periods/2025-${String(month).padStart(2, '0')}/close`);
        expect(closed.status).toBe(201);

        const after: Record<string, unknown>[] = [];
        commands.length = 0;
        for (const step of laters) {
          const id = ids[step.kind === 'late' ? 0 : step.project % ids.length];
          const correction = (changes: Record<string, unknown>) =>
            after.push({ type: 'CorrectProject', projectId: id, changes, reason: '更正', occurredAt: dayOf(month, 40) });
          if (step.kind === 'late') {
            const lateId = randomUUID();
            ids.push(lateId);
            add(lateId, step.spec);
            after.push(...commands.splice(0));
          } else if (step.kind === 'unit') correction({ unit: step.unit });
          else if (step.kind === 'investor') correction({ investor: { name: INVESTORS[step.investor], originRegion: 'yrd' } });
          else if (step.kind === 'visit') after.push(visit(id, step.day));
          else if (step.kind === 'fund') after.push(fund(id, step.day));
          else if (signed.get(id) && step.kind === 'move') correction({ signedAt: dayOf(month, step.day) });
          else if (signed.get(id) && step.kind === 'amount') correction({ signedAmountWan: step.amount });
        }
        if (after.length > 0) await settle(await pipeline.batch(after));

        const label = `year=2025&month=${month}`;
        // The closes are read from their read model: asked for with the close's position.
        const close = (await pipeline.get(`/v1/periods?year=2025&minPosition=${closed.body.position}`)).closes.find(
          (c: { period: string }) => c.period === `2025-${String(month).padStart(2, '0')}`,
        );
        const atClose = await reports(`${label}&asOf=${encodeURIComponent(close.recordedAt)}`);
        const now = await reports(label);
        for (const { code, scope } of CODES) {
          const current = now.get(`${scope}|${code}`)!;
          expect(current.reported).toBe(atClose.get(`${scope}|${code}`)!.actual);
          if (current.actual === null || current.reported === null) expect(current.restated).toBeNull();
          else expect(current.restated).toBeCloseTo(current.actual - current.reported, 12);
          const changes = await pipeline.get(`/v1/kpis/changes?${label}&code=${code}&scope=${scope}`);
          const sum = changes.contributions.reduce((total: number, c: { delta: number }) => total + c.delta, 0);
          expect(Math.abs(sum - ((current.actual ?? 0) - (current.reported ?? 0)))).toBeLessThan(1e-9);
        }
      }),
      { numRuns: 8, seed: 2025, endOnFailure: true },
    );
  }, 120_000);

  async function settle(position: number): Promise<void> {
    await pipeline.get(`/v1/projections/status?minPosition=${position}`);
  }

  async function reports(query: string): Promise<Map<string, { actual: number | null; reported: number | null; restated: number | null }>> {
    const [city, units] = await Promise.all([pipeline.get(`/v1/kpis?${query}`), pipeline.get(`/v1/kpis/units?${query}`)]);
    return new Map([...city.kpis, ...units.kpis].map((k) => [`${k.scope}|${k.code}`, k]));
  }
});
