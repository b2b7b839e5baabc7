import { randomUUID } from 'node:crypto';
import type { QueryRunner } from 'typeorm';
import { ReadModelsCarryTheirEvents1700000000012, rebuildReadModels } from '@app/read-models';
import { leadBody, reference } from '../support/fixtures';
import { startPipeline, type Pipeline } from '../support/pipeline';
import { call } from '../support/services';

/** Every read model's rows in a stable order, each row's columns by name (a migrated table has them in another order). */
async function dump(pipeline: Pipeline): Promise<string> {
  const tables = await Promise.all(
    [
      'SELECT stream_id, version FROM rm.streams ORDER BY 1',
      'SELECT project_id, version, stage, unit, channels, lead_at, last_event_at, state, investor_code, investor_name, registered_by FROM rm.projects ORDER BY 1',
      'SELECT * FROM rm.project_facts ORDER BY project_id, valid_from_position',
      'SELECT * FROM rm.visits ORDER BY position',
      'SELECT * FROM rm.fund_investments ORDER BY position',
      'SELECT * FROM rm.period_closes ORDER BY position',
      'SELECT * FROM rm.target_changes ORDER BY position',
    ].map((sql) => pipeline.db.pool.query(sql).then((r) => r.rows)),
  );
  return JSON.stringify(
    tables.map((rows) => rows.map((row) => Object.fromEntries(Object.entries(row).sort(([x], [y]) => (x < y ? -1 : 1))))),
  );
}

describe('rebuild and BI views (real pipeline)', () => {
  let pipeline: Pipeline;
  let last = 0;
  const projects = 300;

  beforeAll(async () => {
    pipeline = await startPipeline();
    const ids = Array.from({ length: projects }, () => randomUUID());
    await pipeline.batch(ids.map((projectId) => ({ type: 'RegisterLead', ...leadBody({ projectId }) })));
    await pipeline.batch(
      ids.map((projectId) => ({ type: 'RecordVisit', projectId, direction: 'inbound', occurredAt: '2025-02-01T10:00:00+08:00' })),
    );
    last = await pipeline.batch(
      ids.map((projectId) => ({ type: 'SignProject', projectId, signedAmountWan: 7, occurredAt: '2025-03-01T10:00:00+08:00' })),
    );
    await pipeline.get(`/v1/kpis?year=2025&minPosition=${last}`);
  });
  afterAll(() => pipeline.close());

  it('rebuilds while queries run: answers never go empty or wrong during the swap', async () => {
    const before = await pipeline.get('/v1/kpis?year=2025');
    const expected = before.kpis.map((k: { actual: number }) => k.actual);
    expect(before.kpis[0].actual).toBe(projects * 7);
    let running = true;
    let answered = 0;
    const seen: string[] = [];
    const readers = Array.from({ length: 3 }, async () => {
      while (running) {
        const report = await pipeline.get('/v1/kpis?year=2025');
        const actuals = report.kpis.map((k: { actual: number }) => k.actual);
        if (JSON.stringify(actuals) !== JSON.stringify(expected)) seen.push(JSON.stringify(actuals));
        const project = await pipeline.get('/v1/projects?limit=1');
        if (project.items.length !== 1) seen.push('empty project page');
        answered++;
      }
    });
    const result = await rebuildReadModels(pipeline.db.pool, reference, { chunkSize: 50 });
    await new Promise((r) => setTimeout(r, 200));
    running = false;
    await Promise.all(readers);
    expect(seen).toEqual([]);
    expect(answered).toBeGreaterThan(3);
    expect(result.events).toBe(projects * 3);
    expect(result.position).toBe(last);
    // The rebuilt tables keep following the live feed.
    const more = await pipeline.batch([{ type: 'RegisterLead', ...leadBody({ projectId: randomUUID() }) }]);
    const after = await pipeline.get(`/v1/funnel?year=2025&minPosition=${more}`);
    expect(after.reached.lead).toBe(projects + 1);
  });

  it('BI views answer for the read-only role, which may read nothing else', async () => {
    const client = await pipeline.db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL ROLE investment_bi');
      const { rows } = await client.query('SELECT count(*) AS n, sum(signed_amount_wan) AS s FROM bi.projects');
      expect(Number(rows[0].n)).toBeGreaterThanOrEqual(projects);
      expect(Number(rows[0].s)).toBe(projects * 7);
      await expect(client.query('SELECT 1 FROM events LIMIT 1')).rejects.toThrow(/permission denied/);
      await client.query('ROLLBACK');
      const comment = await client.query("SELECT obj_description('bi.projects'::regclass) AS c");
      expect(comment.rows[0].c).toContain('项目当前状态');
    } finally {
      client.release();
    }
  });

  it('the bulk load builds the same tables as the projector did, event by event', async () => {
    // Facts rows whose validity spans chunks: corrections and starts of projects signed long before.
    const ids = (
      await pipeline.db.pool.query("SELECT project_id FROM rm.projects WHERE stage = 'signed' ORDER BY project_id LIMIT 60")
    ).rows.map((r) => r.project_id);
    await pipeline.batch(
      ids.map((projectId) => ({
        type: 'CorrectProject',
        projectId,
        changes: { signedAmountWan: 9 },
        reason: 'contract amended',
        occurredAt: '2025-03-15T10:00:00+08:00',
      })),
    );
    const last = await pipeline.batch(
      ids
        .slice(0, 30)
        .map((projectId) => ({ type: 'StartProject', projectId, startedInvestmentWan: 3, occurredAt: '2025-04-01T10:00:00+08:00' })),
    );
    await pipeline.get(`/v1/kpis?year=2025&minPosition=${last}`);
    const projected = await dump(pipeline);
    await rebuildReadModels(pipeline.db.pool, reference, { chunkSize: 40 });
    expect(await dump(pipeline)).toEqual(projected);
    expect(projected).toContain('"signed_wan":"9"');
  });

  it('a database made before the read models carried their events migrates to the same rows', async () => {
    // Whole lives in one batch, fund investments, a close and a target change: every table the migration fills.
    const lives = Array.from({ length: 5 }, () => randomUUID());
    await pipeline.batch(
      lives.flatMap((projectId) => [
        { type: 'RegisterLead', ...leadBody({ projectId }) },
        { type: 'RecordVisit', projectId, direction: 'outbound', occurredAt: '2025-01-20T10:00:00+08:00' },
        { type: 'RecordFundInvestment', projectId, fund: 'zz-angel-fund', amountWan: 5, occurredAt: '2025-02-01T10:00:00+08:00' },
        { type: 'SignProject', projectId, signedAmountWan: 11, occurredAt: '2025-03-01T10:00:00+08:00' },
        { type: 'StartProject', projectId, startedInvestmentWan: 4, occurredAt: '2025-04-01T10:00:00+08:00' },
      ]),
    );
    expect((await call(pipeline.ingestUrl, 'POST', '/v1/periods/2025-Q1/close')).status).toBe(201);
    const target = await call(pipeline.ingestUrl, 'POST', '/v1/targets/changes', {
      body: { code: 'signed_total_wan', scope: 'city', period: '2025', target: 5_000, reason: '调整' },
    });
    await pipeline.get(`/v1/kpis?year=2025&minPosition=${target.body.position}`);
    const projected = await dump(pipeline);
    expect(projected).toContain('"event_type":"VisitRecorded"');

    const client = await pipeline.db.pool.connect();
    const runner = { query: async (sql: string, params?: unknown[]) => (await client.query(sql, params)).rows } as unknown as QueryRunner;
    try {
      await client.query('BEGIN');
      const migration = new ReadModelsCarryTheirEvents1700000000012();
      await migration.down(runner);
      expect((await client.query(`SELECT count(*)::int AS n FROM rm.project_facts WHERE stage = 'negotiating'`)).rows[0].n).toBe(0);
      await migration.up(runner);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect(await dump(pipeline)).toEqual(projected);
  });
});
