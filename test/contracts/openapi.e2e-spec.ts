import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createQueryApi } from '../../apps/query-api/src/query-api';
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
});
