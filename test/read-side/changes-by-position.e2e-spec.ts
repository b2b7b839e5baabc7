import { randomUUID } from 'node:crypto';
import { call } from '../support/services';
import { startPipeline, type Pipeline } from '../support/pipeline';
import { correctCommand as correct, signCommand as sign, tick } from '../support/fixtures';

/**
 * What moved a number, event by event, when the events came in one batch and share one record
 * time (contract §9): every contribution names the event that moved the number, computed by
 * hand per event id. Also the visit stage in the facts (bi.project_facts) and the funnel as of
 * a record time.
 */
const [a, b, c, d, e, g] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
const lead = (projectId: string, unit = 'zz-erqi') => ({
  type: 'RegisterLead',
  projectId,
  name: `项目 ${projectId.slice(0, 4)}`,
  investor: { name: `投资方 ${projectId.slice(0, 4)}`, originRegion: 'jjj' },
  industry: { chain: 'nev', sector: 'emerging' },
  industrial: true,
  channels: ['industry_chain'],
  unit,
  plannedInvestmentWan: 100_000,
  occurredAt: '2025-01-10T10:00:00+08:00',
});
const start = (projectId: string, startedInvestmentWan: number) => ({
  type: 'StartProject',
  projectId,
  startedInvestmentWan,
  occurredAt: '2025-03-20T10:00:00+08:00',
});

describe('what moved a number, within a batch (real pipeline)', () => {
  let pipeline: Pipeline;
  let from: string;
  let beforeVisit: string;
  /** The event ids of each batch, in command order, and each event's position. */
  const ids: string[][] = [];
  const positions = new Map<string, number>();

  /** POST /v1/batch; every command must be accepted. Keeps the event ids, returns the last position. */
  const batch = async (commands: Record<string, unknown>[]): Promise<number> => {
    const answer = await call(pipeline.ingestUrl, 'POST', '/v1/batch', { body: { commands } });
    const results = answer.body.results as Array<{ status: number; body: { eventId: string; position: number } }>;
    if (results.some((r) => r.status !== 201)) throw new Error(`batch refused: ${JSON.stringify(answer.body)}`);
    ids.push(results.map((r) => r.body.eventId));
    for (const r of results) positions.set(r.body.eventId, r.body.position);
    return Math.max(...results.map((r) => r.body.position));
  };
  const changes = (code: string, period = 'quarter=1', scope = 'city') =>
    pipeline.get(`/v1/kpis/changes?year=2025&${period}&code=${code}&scope=${scope}&from=${encodeURIComponent(from)}`);
  const named = (result: { contributions: Array<{ eventId: string; type: string; delta: number }> }) =>
    result.contributions.map((x) => [x.eventId, x.type, x.delta]);
  /** The contributions expected, in the order of their events' positions (a batch stores each stream's events together). */
  const inPositionOrder = (expected: Array<[string, string, number]>) =>
    [...expected].sort(([x], [y]) => positions.get(x)! - positions.get(y)!);

  beforeAll(async () => {
    pipeline = await startPipeline();
    await pipeline.get(`/v1/projections/status?minPosition=${await batch([lead(d), lead(e), lead(g)])}`);
    await tick();
    from = new Date().toISOString();
    await tick();
    // 1: one project's lead, signing and start.
    await batch([lead(a), sign(a, 300_000), start(a, 120_000)]);
    // 2: two projects' events interleaved in one transaction; b's amount corrected after its signing.
    await batch([
      lead(b),
      lead(c, 'zz-airport'),
      sign(b, 200_000),
      sign(c, 50_000),
      correct(b, { signedAmountWan: 250_000 }),
      start(c, 10_000),
    ]);
    // 3: late signings corrected in the same batch: d's amount cut, e's signing moved into Q2.
    const last = await batch([
      sign(d, 400_000),
      correct(d, { signedAmountWan: 300_000 }),
      sign(e, 70_000),
      correct(e, { signedAt: '2025-04-02T10:00:00+08:00' }),
    ]);
    await pipeline.get(`/v1/projections/status?minPosition=${last}`);
    await tick();
    beforeVisit = new Date().toISOString();
    await tick();
    const visited = await batch([{ type: 'RecordVisit', projectId: g, direction: 'inbound', occurredAt: '2025-02-01T10:00:00+08:00' }]);
    await pipeline.get(`/v1/projections/status?minPosition=${visited}`);
  });

  afterAll(async () => {
    await pipeline.close();
  });

  it('signed total: each signing and each correction with its own delta, in position order', async () => {
    const signed = await changes('signed_total_wan');
    expect(named(signed)).toEqual(
      inPositionOrder([
        [ids[1][1], 'ProjectSigned', 300_000], // a: its signing, not its start in the same batch
        [ids[2][2], 'ProjectSigned', 200_000],
        [ids[2][3], 'ProjectSigned', 50_000],
        [ids[2][4], 'ProjectCorrected', 50_000], // b raised from 200,000 to 250,000
        [ids[3][0], 'ProjectSigned', 400_000],
        [ids[3][1], 'ProjectCorrected', -100_000], // d cut to 300,000
        [ids[3][2], 'ProjectSigned', 70_000],
        [ids[3][3], 'ProjectCorrected', -70_000], // e moved into Q2
      ]),
    );
    expect([signed.from.actual, signed.to.actual, signed.delta]).toEqual([0, 900_000, 900_000]);
    expect(signed.contributions[0]).toMatchObject({ projectId: a, actor: { kind: 'team' }, occurredAt: '2025-03-10T02:00:00.000Z' });

    const q2 = await changes('signed_total_wan', 'quarter=2');
    expect(named(q2)).toEqual([[ids[3][3], 'ProjectCorrected', 70_000]]);
  });

  it('started total and a count: the start and the signings named, never the lead', async () => {
    expect(named(await changes('started_total_wan'))).toEqual(
      inPositionOrder([
        [ids[1][2], 'ProjectStarted', 120_000],
        [ids[2][5], 'ProjectStarted', 10_000],
      ]),
    );
    const count = await changes('region_signed_count.jjj');
    expect(named(count)).toEqual(
      inPositionOrder([
        [ids[1][1], 'ProjectSigned', 1],
        [ids[2][2], 'ProjectSigned', 1],
        [ids[2][3], 'ProjectSigned', 1],
        [ids[3][0], 'ProjectSigned', 1],
        [ids[3][2], 'ProjectSigned', 1],
        [ids[3][3], 'ProjectCorrected', -1],
      ]),
    );
    expect(count.delta).toBe(4);
  });

  it("a unit's total: only its projects' events", async () => {
    const airport = await changes('unit.signed_total_wan', 'quarter=1', 'zz-airport');
    expect(named(airport)).toEqual([[ids[2][3], 'ProjectSigned', 50_000]]);
  });

  it('a visit makes a lead negotiating in the facts: the current row of every project has its stage', async () => {
    const { rows } = await pipeline.db.pool.query(
      `SELECT p.project_id, p.stage, f.stage AS facts_stage, f.event_type
         FROM bi.projects p JOIN bi.project_facts f ON f.project_id = p.project_id AND f.valid_to IS NULL`,
    );
    expect(rows).toHaveLength(6);
    for (const row of rows) expect([row.project_id, row.facts_stage]).toEqual([row.project_id, row.stage]);
    expect(rows.find((r) => r.project_id === g)).toMatchObject({ stage: 'negotiating', event_type: 'VisitRecorded' });
  });

  it('the funnel now and as recorded at a past time', async () => {
    const now = await pipeline.get('/v1/funnel?year=2025');
    expect(now.stages).toEqual({ lead: 0, negotiating: 1, signed: 3, started: 2, dropped: 0 });
    expect(now.reached).toEqual({ lead: 6, signed: 5, started: 2 });
    const before = await pipeline.get(`/v1/funnel?year=2025&asOf=${encodeURIComponent(beforeVisit)}`);
    expect(before.stages).toEqual({ lead: 1, negotiating: 0, signed: 3, started: 2, dropped: 0 });
    expect(before.asOf).toBe(beforeVisit);
    const first = await pipeline.get(`/v1/funnel?year=2025&asOf=${encodeURIComponent(from)}`);
    expect([first.reached, first.stages.lead]).toEqual([{ lead: 3, signed: 0, started: 0 }, 3]);
    const bad = await call(pipeline.queryUrl, 'GET', '/v1/funnel?year=2025&asOf=yesterday');
    expect([bad.status, bad.body.error.details[0].field]).toEqual([400, 'asOf']);
  });
});
