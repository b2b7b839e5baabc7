import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createIngestApi } from '../../apps/ingest-api/src/ingest-api';
import { createQueryApi } from '../../apps/query-api/src/query-api';
import { reference } from '../support/fixtures';
import { freshDatabase, type TestDatabase } from '../support/database';
import { call, startIngestApi, testDeps } from '../support/services';

const ROOT = join(__dirname, '..', '..');
const REDOCLY = join(ROOT, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
/** The recommended rules, as redocly.yaml says. */
const CONFIG = join(ROOT, 'redocly.yaml');

/** Redocly's rules over a document: every problem found (errors and warnings). */
async function lint(
  document: unknown,
): Promise<{ totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string }[] }> {
  const file = join(mkdtempSync(join(tmpdir(), 'openapi-')), 'openapi.json');
  writeFileSync(file, JSON.stringify(document));
  const { stdout } = await promisify(execFile)(process.execPath, [REDOCLY, 'lint', file, '--config', CONFIG, '--format', 'json'], {
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  return JSON.parse(stdout.slice(stdout.indexOf('{')));
}

describe('the OpenAPI documents (real PostgreSQL)', () => {
  let db: TestDatabase;
  let ingest: { url: string; app: NestFastifyApplication };
  let queryApp: NestFastifyApplication;
  let query: string;

  beforeAll(async () => {
    db = await freshDatabase();
    ingest = await startIngestApi(db);
    queryApp = await createQueryApi(await testDeps(db));
    await queryApp.listen({ port: 0, host: '127.0.0.1' });
    query = `http://127.0.0.1:${(queryApp.getHttpServer().address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await queryApp.close();
    await ingest.app.close();
    await db.drop();
  });

  it.each([
    ['write side', () => ingest.url],
    ['read side', () => query],
  ])('the %s document passes the recommended rules with no error and no warning', async (_, url) => {
    const document = (await call(url(), 'GET', '/docs/openapi.json', { key: null })).body;
    const { totals, problems } = await lint(document);
    expect(problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    expect(totals).toMatchObject({ errors: 0, warnings: 0 });
    expect(document.components.securitySchemes.bearer).toMatchObject({ scheme: 'bearer', bearerFormat: 'opaque API key' });
  });

  it('the documentation page and its assets are served (the assets may be cached, the API answers may not)', async () => {
    const page = await fetch(`${ingest.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const css = await fetch(`${ingest.url}/docs/swagger-ui.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('cache-control')).not.toBe('no-store');
  });

  it('the example of POST /v1/projects is a lead the API accepts', async () => {
    const document = (await call(ingest.url, 'GET', '/docs/openapi.json', { key: null })).body;
    const schema = document.paths['/v1/projects'].post.requestBody.content['application/json'].schema;
    type Schema = {
      $ref?: string;
      allOf?: Schema[];
      example?: unknown;
      type?: string;
      format?: string;
      properties?: Record<string, unknown>;
      items?: { enum?: unknown[] };
      enum?: unknown[];
    };
    const resolve = (s: Schema): Schema => {
      if (s.$ref) return resolve(document.components.schemas[s.$ref.split('/').pop()!]);
      return s.allOf?.length === 1 ? resolve({ ...s, ...s.allOf[0], allOf: undefined }) : s;
    };
    const example = (given: Schema): unknown => {
      const s = resolve(given);
      if (s.example !== undefined) return s.example;
      if (s.format === 'uuid') return randomUUID();
      if (s.enum) return s.enum[0];
      if (s.type === 'object') return Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, example(v as never)]));
      if (s.type === 'array') return [s.items?.enum?.[0]];
      if (s.type === 'boolean') return true;
      if (s.type === 'integer') return 1;
      throw new Error(`no example for ${JSON.stringify(s)}`);
    };
    const lead = example(schema) as Record<string, unknown>;
    const answer = await call(ingest.url, 'POST', '/v1/projects', { body: lead });
    expect({ status: answer.status, body: answer.body }).toMatchObject({ status: 201 });
  });

  it('declares Idempotency-Key on every single write, If-Match on those to a project that exists, and a schema for every answer', async () => {
    const write = (await call(ingest.url, 'GET', '/docs/openapi.json', { key: null })).body;
    const read = (await call(query, 'GET', '/docs/openapi.json', { key: null })).body;
    const headers = (path: string) =>
      write.paths[path].post.parameters.filter((p: { in: string }) => p.in === 'header').map((p: { name: string }) => p.name);
    expect(headers('/v1/projects')).toEqual(['Idempotency-Key']);
    expect(headers('/v1/activities')).toEqual(['Idempotency-Key']);
    for (const command of ['visits', 'fund-investments', 'signing', 'start', 'corrections', 'drop']) {
      expect(headers(`/v1/projects/{id}/${command}`)).toEqual(['Idempotency-Key', 'If-Match']);
    }
    const answered = write.paths['/v1/projects/{id}/signing'].post.responses['201'].content['application/json'].schema;
    expect(answered.required).toEqual(['projectId', 'version', 'position', 'eventId']);
    const missing: string[] = [];
    for (const document of [write, read]) {
      for (const [path, operations] of Object.entries<Record<string, { responses: Record<string, { content?: object }> }>>(
        document.paths,
      )) {
        for (const [method, operation] of Object.entries(operations)) {
          for (const [status, answer] of Object.entries(operation.responses)) {
            if (status !== '204' && !answer.content) missing.push(`${method} ${path} ${status}`);
          }
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('lists the codes of the reference data the service loaded, in bodies, parameters and answers, with their Chinese names', async () => {
    const db2 = await freshDatabase();
    const deps = await testDeps(db2);
    // Another city's reference data: two units only.
    const units = new Map([...reference.units].slice(0, 2));
    const app = await createIngestApi({ ...deps, reference: { ...reference, units } });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
      const schemas = (await call(url, 'GET', '/docs/openapi.json', { key: null })).body.components.schemas;
      expect(schemas.RegisterLeadDto.properties.unit).toMatchObject({
        enum: [...units.keys()],
        'x-enum-descriptions': [...units.values()].map((u) => u.name),
      });
      expect(schemas.RecordActivityDto.properties.unit.enum).toEqual([...units.keys()]);
      expect(schemas.IndustryDto.properties.chain.enum).toEqual([...reference.chains.keys()]);
      expect(schemas.RecordFundInvestmentDto.properties.fund.enum).toEqual([...reference.funds.keys()]);
      expect(schemas.RegisterLeadDto.properties.channels.items['x-enum-descriptions']).toContain('产业链招商');
    } finally {
      await app.close();
      await db2.drop();
    }
    const read = (await call(query, 'GET', '/docs/openapi.json', { key: null })).body;
    const parameter = (path: string, name: string) => read.paths[path].get.parameters.find((p: { name: string }) => p.name === name).schema;
    expect(parameter('/v1/projects', 'unit').enum).toEqual([...reference.units.keys()]);
    expect(parameter('/v1/projects', 'chain').enum).toEqual([...reference.chains.keys()]);
    expect(parameter('/v1/projects', 'channel').enum).toContain('industry_chain');
    expect(parameter('/v1/breakdown', 'unit').enum).toEqual([...reference.units.keys()]);
    const answer = read.paths['/v1/reference'].get.responses['200'].content['application/json'].schema;
    expect(answer.properties.funds.items.properties.code.enum).toEqual([...reference.funds.keys()]);
    expect(answer.required).toEqual(expect.arrayContaining(['units', 'chains', 'funds', 'channels', 'regions', 'sectors']));
  });
});
