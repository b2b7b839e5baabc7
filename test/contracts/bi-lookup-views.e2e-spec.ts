import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { refreshReferenceCodes } from '@app/read-models';
import { leadBody, reference } from '../support/fixtures';
import { startPipeline, type Pipeline } from '../support/pipeline';

/** Runs `work` as the BI role, as a BI tool's login would, and leaves nothing behind. */
async function asBi<T>(pipeline: Pipeline, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pipeline.db.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL ROLE investment_bi');
    return await work(client);
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

describe('BI lookup views: the codes with their Chinese names (real pipeline)', () => {
  let pipeline: Pipeline;
  const projectId = randomUUID();
  const [fund, { name: fundName, level: fundLevel }] = [...reference.funds][0];

  beforeAll(async () => {
    pipeline = await startPipeline();
    const last = await pipeline.batch([
      { type: 'RegisterLead', ...leadBody({ projectId }) },
      { type: 'RecordVisit', projectId, direction: 'inbound', occurredAt: '2025-02-01T10:00:00+08:00' },
      { type: 'RecordFundInvestment', projectId, fund, amountWan: 500, occurredAt: '2025-02-10T10:00:00+08:00' },
    ]);
    await pipeline.get(`/v1/projects/${projectId}?minPosition=${last}`);
  });
  afterAll(() => pipeline.close());

  it("a BI tool joins a project's codes to the names of the reference data loaded", async () => {
    const row = await asBi(pipeline, async (client) => {
      const { rows } = await client.query(
        `SELECT u.name AS unit, u.kind, c.name AS chain, r.name AS region, s.name AS sector, st.name AS stage,
                (SELECT array_agg(ch.name ORDER BY ch.sort_order) FROM bi.channels ch WHERE ch.code = ANY(p.channels)) AS channels
           FROM bi.projects p
           JOIN bi.units u ON u.code = p.unit
           JOIN bi.chains c ON c.code = p.chain
           JOIN bi.regions r ON r.code = p.origin_region
           JOIN bi.sectors s ON s.code = p.sector
           JOIN bi.stages st ON st.code = p.stage
          WHERE p.project_id = $1`,
        [projectId],
      );
      return rows[0];
    });
    expect(row).toEqual({
      unit: '郑州航空港经济综合实验区',
      kind: 'zone',
      chain: '新能源汽车',
      region: '粤港澳大湾区',
      sector: '新兴产业',
      stage: '在谈',
      channels: ['基金招商', '产业链招商'],
    });
    const invested = await asBi(pipeline, async (client) => {
      const { rows } = await client.query(
        'SELECT f.name, f.level, f.municipal FROM bi.fund_investments i JOIN bi.funds f ON f.code = i.fund WHERE i.project_id = $1',
        [projectId],
      );
      return rows;
    });
    expect(invested).toEqual([{ name: fundName, level: fundLevel, municipal: fundLevel === 'municipal' }]);
  });

  it('every code of every list, in the order of the reference data, with Chinese comments; the table behind them is not readable', async () => {
    const lists = await asBi(pipeline, async (client) => {
      const read = async (view: string) => (await client.query(`SELECT code, name FROM bi.${view} ORDER BY sort_order`)).rows;
      const comments = await client.query(
        `SELECT c.relname AS view, obj_description(c.oid) AS about, col_description(c.oid, 2) AS name
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'bi' AND c.relname IN ('units', 'chains', 'funds', 'channels', 'regions', 'sectors', 'stages')`,
      );
      await client.query('SAVEPOINT before');
      const table = await client.query('SELECT 1 FROM reference_codes').catch((error: Error) => error.message);
      await client.query('ROLLBACK TO SAVEPOINT before');
      return {
        units: await read('units'),
        chains: await read('chains'),
        funds: await read('funds'),
        channels: await read('channels'),
        stages: await read('stages'),
        comments: comments.rows,
        table,
      };
    });
    const named = (map: ReadonlyMap<string, { name: string }>) => [...map].map(([code, { name }]) => ({ code, name }));
    expect(lists.units).toEqual(named(reference.units));
    expect(lists.chains).toEqual(named(reference.chains));
    expect(lists.funds).toEqual(named(reference.funds));
    expect(lists.channels).toHaveLength(11);
    expect(lists.stages.map((s: { name: string }) => s.name)).toEqual(['线索', '在谈', '签约', '开工', '终止']);
    expect(lists.comments).toHaveLength(7);
    for (const { about, name } of lists.comments) {
      expect(about).toMatch(/代码表/);
      expect(name).toBe('名称');
    }
    expect(lists.table).toMatch(/permission denied/);
  });

  it('follow the reference data the service loads next: a renamed unit, a unit gone', async () => {
    const [[first, unit], [second]] = [...reference.units];
    try {
      await refreshReferenceCodes(pipeline.db.pool, { ...reference, units: new Map([[first, { ...unit, name: '航空港区' }]]) });
      const units = await asBi(pipeline, async (client) => (await client.query('SELECT code, name, kind FROM bi.units')).rows);
      expect(units).toEqual([{ code: first, name: '航空港区', kind: unit.kind }]);
      expect(units.map((u: { code: string }) => u.code)).not.toContain(second);
    } finally {
      await refreshReferenceCodes(pipeline.db.pool, reference);
    }
  });
});
