import { randomUUID } from 'node:crypto';
import { PostgresEventStore } from '@app/event-store';
import { leadBody } from '../support/fixtures';
import { startPipeline, type Pipeline } from '../support/pipeline';
import { ADMIN_KEY, call } from '../support/services';

describe('regressions through the whole pipeline (real PostgreSQL and Kafka)', () => {
  let pipeline: Pipeline;

  beforeAll(async () => {
    pipeline = await startPipeline();
  });
  afterAll(() => pipeline.close());

  it('a 2.3 MB batch of 1,000 leads with long names is published and projected, and what follows it too', async () => {
    const commands = Array.from({ length: 1000 }, (_, i) => ({
      type: 'RegisterLead',
      ...leadBody({ name: `${i} ${'Long project name for a publication test '.repeat(50)}`.slice(0, 2000) }),
    }));
    expect(Buffer.byteLength(JSON.stringify({ commands }))).toBeGreaterThan(2_300_000);
    await pipeline.batch(commands);
    const after = await pipeline.batch([{ type: 'RegisterLead', ...leadBody() }]);
    const status = await pipeline.get(`/v1/projections/status?minPosition=${after}`);
    expect(status.projections[0].position).toBeGreaterThanOrEqual(after);
    const { rows } = await pipeline.db.pool.query('SELECT count(*) AS n FROM rm.projects');
    expect(Number(rows[0].n)).toBeGreaterThanOrEqual(1001);
  });

  it('a partner reads only the projects it registered; a unit-limited reader only its units’ projects, and every aggregate', async () => {
    const key = async (body: Record<string, unknown>) =>
      (await call(pipeline.ingestUrl, 'POST', '/v1/api-keys', { body })).body.key as string;
    const fundA = await key({ name: 'fund A', role: 'partner', partnerId: 'fund-a' });
    const fundB = await key({ name: 'fund B', role: 'partner', partnerId: 'fund-b' });
    const airportReader = await key({ name: 'airport BI', role: 'reader', units: ['zz-airport'] });
    const ofA = leadBody({ unit: 'zz-airport' });
    const ofTeam = leadBody({ unit: 'zz-hitech', investor: { name: '另一家', originRegion: 'yrd', creditCode: '91110000600037341L' } });
    expect((await call(pipeline.ingestUrl, 'POST', '/v1/projects', { key: fundA, body: ofA })).status).toBe(201);
    const last = await pipeline.batch([{ type: 'RegisterLead', ...ofTeam }]);
    const read = (path: string, k: string) =>
      call(pipeline.queryUrl, 'GET', `${path}${path.includes('?') ? '&' : '?'}minPosition=${last}`, { key: k });

    expect((await read(`/v1/projects/${ofA.projectId}`, fundA)).status).toBe(200);
    expect((await read(`/v1/projects/${ofA.projectId}/history`, fundA)).status).toBe(200);
    expect((await read(`/v1/projects/${ofA.projectId}`, fundB)).status).toBe(404);
    expect((await read(`/v1/projects/${ofA.projectId}/history`, fundB)).status).toBe(404);
    expect((await read(`/v1/projects/${ofTeam.projectId}`, fundA)).status).toBe(404);
    const listA = (await read('/v1/projects?limit=500', fundA)).body.items.map((p: { projectId: string }) => p.projectId);
    expect(listA).toEqual([ofA.projectId]);
    expect((await read('/v1/projects', fundB)).body.items).toEqual([]);
    expect((await read('/v1/kpis?year=2025', fundB)).status).toBe(200); // the aggregates stay visible

    expect((await read(`/v1/projects/${ofA.projectId}`, airportReader)).status).toBe(200);
    expect((await read(`/v1/projects/${ofTeam.projectId}`, airportReader)).status).toBe(404);
    // Aggregates are shared figures (contract §6): every unit's KPIs, as the admin reads them; a partner the city's only.
    const unitScopes = async (k: string) => (await read('/v1/kpis/units?year=2025', k)).body.kpis.map((r: { scope: string }) => r.scope);
    expect(await unitScopes(airportReader)).toEqual(await unitScopes(ADMIN_KEY));
    expect(new Set(await unitScopes(airportReader))).toContain('zz-hitech');
    expect(await unitScopes(fundA)).toEqual([]);
    expect((await read('/v1/kpis?year=2025', airportReader)).body.kpis.length).toBeGreaterThan(0);
  });

  it('a write is refused when its stream id could not be stored, and the store is unchanged', async () => {
    const store = new PostgresEventStore(pipeline.db.pool);
    const head = await store.headPosition();
    const answer = await call(pipeline.ingestUrl, 'POST', `/v1/projects/${randomUUID()}%00/visits`, {
      body: { direction: 'inbound', occurredAt: '2025-02-01T10:00:00+08:00' },
    });
    expect(answer.status).toBe(400);
    expect(await store.headPosition()).toBe(head);
  });
});
