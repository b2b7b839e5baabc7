import { randomUUID } from 'node:crypto';
import { leadBody } from '../support/fixtures';
import { call } from '../support/services';
import { startPipeline, type Pipeline } from '../support/pipeline';

describe('read API: projects, history, funnel, breakdowns, status (real pipeline)', () => {
  let pipeline: Pipeline;
  const a = randomUUID();
  const b = randomUUID();
  const c = randomUUID();
  let last = 0;

  beforeAll(async () => {
    pipeline = await startPipeline();
    last = await pipeline.batch([
      {
        type: 'RegisterLead',
        ...leadBody({ projectId: a, occurredAt: '2025-01-01T10:00:00+08:00', channels: ['fund', 'university'], unit: 'zz-airport' }),
      },
      { type: 'RecordVisit', projectId: a, direction: 'inbound', occurredAt: '2025-01-05T10:00:00+08:00' },
      { type: 'RecordFundInvestment', projectId: a, fund: 'zz-angel-fund', amountWan: 700, occurredAt: '2025-01-06T10:00:00+08:00' },
      { type: 'SignProject', projectId: a, signedAmountWan: 100_000, occurredAt: '2025-01-11T10:00:00+08:00' },
      { type: 'StartProject', projectId: a, startedInvestmentWan: 40_000, occurredAt: '2025-01-31T10:00:00+08:00' },
      {
        type: 'RegisterLead',
        ...leadBody({
          projectId: b,
          occurredAt: '2025-02-01T10:00:00+08:00',
          channels: ['fund'],
          unit: 'zz-erqi',
          investor: { name: 'B', originRegion: 'yrd' },
        }),
      },
      { type: 'SignProject', projectId: b, signedAmountWan: 300_000, occurredAt: '2025-02-21T10:00:00+08:00' },
      {
        type: 'RegisterLead',
        ...leadBody({ projectId: c, occurredAt: '2025-03-01T10:00:00+08:00', channels: ['intermediary'], unit: 'zz-erqi' }),
      },
      { type: 'DropProject', projectId: c, reason: '终止', occurredAt: '2025-03-02T10:00:00+08:00' },
    ]);
    await pipeline.get(`/v1/projections/status`);
    await pipeline.get(`/v1/projects/${c}?minPosition=${last}`);
  });
  afterAll(() => pipeline.close());

  it('a project as it stands, in the shape of contract §4', async () => {
    expect(await pipeline.get(`/v1/projects/${a}`)).toEqual({
      projectId: a,
      version: 5,
      stage: 'started',
      name: leadBody().name,
      investor: expect.objectContaining({ originRegion: 'gba' }),
      industry: { chain: 'nev', sector: 'emerging' },
      industrial: true,
      channels: ['fund', 'university'],
      unit: 'zz-airport',
      plannedInvestmentWan: 1_200_000,
      leadAt: '2025-01-01T02:00:00.000Z',
      signedAmountWan: 100_000,
      signedAt: '2025-01-11T02:00:00.000Z',
      startedInvestmentWan: 40_000,
      startedAt: '2025-01-31T02:00:00.000Z',
      visits: { inbound: 1, outbound: 0 },
      fundInvestedWan: 700,
      lastEventAt: '2025-01-31T02:00:00.000Z',
    });
    expect((await call(pipeline.queryUrl, 'GET', `/v1/projects/${randomUUID()}`)).status).toBe(404);
  });

  it('its history: every envelope in order', async () => {
    const history = await pipeline.get(`/v1/projects/${a}/history`);
    expect(history.map((e: { type: string }) => e.type)).toEqual([
      'LeadRegistered',
      'VisitRecorded',
      'FundInvestmentMade',
      'ProjectSigned',
      'ProjectStarted',
    ]);
    expect(history[0]).toEqual(
      expect.objectContaining({ streamId: `project-${a}`, version: 1, schemaVersion: 1, actor: { kind: 'team', id: 'admin' } }),
    );
  });

  it('lists projects by stage, unit and channel, in pages', async () => {
    const erqi = await pipeline.get('/v1/projects?unit=zz-erqi');
    expect(erqi.items.map((p: { projectId: string }) => p.projectId).sort()).toEqual([b, c].sort());
    expect((await pipeline.get('/v1/projects?stage=dropped')).items.map((p: { projectId: string }) => p.projectId)).toEqual([c]);
    expect((await pipeline.get('/v1/projects?channel=fund')).items).toHaveLength(2);
    const first = await pipeline.get('/v1/projects?limit=2');
    expect(first.items).toHaveLength(2);
    const second = await pipeline.get(`/v1/projects?limit=2&cursor=${first.nextCursor}`);
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    expect(new Set([...first.items, ...second.items].map((p: { projectId: string }) => p.projectId)).size).toBe(3);
  });

  it('stalled projects: not started or dropped, and idle N calendar days or more (Asia/Shanghai)', async () => {
    // b's last event is 2025-02-21; a is started, c dropped.
    const stalled = await pipeline.get('/v1/projects?stalledDays=30');
    expect(stalled.items.map((p: { projectId: string }) => p.projectId)).toEqual([b]);
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const days = Math.round((Date.parse(today) - Date.parse('2025-02-21')) / 86_400_000);
    expect((await pipeline.get(`/v1/projects?stalledDays=${days}`)).items.map((p: { projectId: string }) => p.projectId)).toEqual([b]);
    expect((await pipeline.get(`/v1/projects?stalledDays=${days + 1}`)).items).toEqual([]);
  });

  it('the funnel of the 2025 cohort', async () => {
    const funnel = await pipeline.get('/v1/funnel?year=2025');
    expect(funnel).toMatchObject({
      period: '2025',
      stages: { lead: 0, negotiating: 0, signed: 1, started: 1, dropped: 1 },
      reached: { lead: 3, signed: 2, started: 1 },
      conversion: { leadToSigned: 2 / 3, signedToStarted: 1 / 2 },
      medianDays: { leadToSigned: 15, signedToStarted: 20 },
    });
  });

  it('breakdowns per channel and unit: count and amount per stage', async () => {
    const byChannel = await pipeline.get('/v1/breakdown?by=channel&year=2025');
    const fund = byChannel.rows.find((r: { key: string }) => r.key === 'fund');
    expect(fund).toEqual({
      key: 'fund',
      name: null,
      lead: { count: 2, plannedWan: 2_400_000, dropped: 0 },
      signed: { count: 2, amountWan: 400_000 },
      started: { count: 1, amountWan: 40_000 },
    });
    const byUnit = await pipeline.get('/v1/breakdown?by=unit&year=2025&quarter=1');
    expect(byUnit.rows.find((r: { key: string }) => r.key === 'zz-erqi')).toMatchObject({
      name: '二七区',
      lead: { count: 2, dropped: 1 },
      signed: { count: 1, amountWan: 300_000 },
    });
    expect((await call(pipeline.queryUrl, 'GET', '/v1/breakdown?by=colour&year=2025')).status).toBe(400);
  });

  it('projection status and read-your-writes', async () => {
    const status = await pipeline.get('/v1/projections/status');
    expect(status.projections[0]).toEqual({ name: 'read-models', position: expect.any(Number), lagEvents: 0, lagMs: 0 });
    expect(status.projections[0].position).toBeGreaterThanOrEqual(last);
    const position = await pipeline.batch([
      { type: 'RecordVisit', projectId: b, direction: 'outbound', occurredAt: '2025-03-05T10:00:00+08:00' },
    ]);
    expect((await pipeline.get(`/v1/projects/${b}?minPosition=${position}`)).visits).toEqual({ inbound: 0, outbound: 1 });
  });

  it('a minPosition that is never reached answers 503 with the position reached', async () => {
    await pipeline.stopProjector();
    try {
      const position = await pipeline.batch([
        { type: 'RecordVisit', projectId: b, direction: 'outbound', occurredAt: '2025-03-06T10:00:00+08:00' },
      ]);
      const answer = await call(pipeline.queryUrl, 'GET', `/v1/kpis?year=2025&minPosition=${position}`);
      expect(answer.status).toBe(503);
      expect(answer.body.position).toBe(position - 1);
      expect(answer.body.error.code).toBe('unavailable');
      const status = await pipeline.get('/v1/projections/status');
      expect(status.projections[0].lagEvents).toBe(1);
      expect(status.projections[0].lagMs).toBeGreaterThan(0);
    } finally {
      await pipeline.startProjector();
    }
  });

  it('reads need a key', async () => {
    expect((await call(pipeline.queryUrl, 'GET', '/v1/kpis?year=2025', { key: null })).status).toBe(401);
  });
});
