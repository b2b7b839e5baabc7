import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createIngestApi } from '../../apps/ingest-api/src/ingest-api';
import { DATABASE_SCHEMA } from '@app/migrations';
import { createLogger, loadConfig, openDataSource, poolOf, type ServiceDeps } from '@app/platform';
import type { TestDatabase } from './database';
import { reference } from './fixtures';

export const ADMIN_KEY = 'test-admin-key-0123456789';

/** What an app under test is built from: its own connection to the test's database (closed with the app), as in a service process. */
export async function testDeps(db: TestDatabase, env: Record<string, string> = {}): Promise<ServiceDeps> {
  const config = loadConfig({ ...process.env, DATABASE_URL: db.url, ADMIN_API_KEY: ADMIN_KEY, ...env });
  const dataSource = await openDataSource({ url: db.url, poolSize: 5 }, DATABASE_SCHEMA);
  const logger = createLogger('test', process.env.LOG_LEVEL || 'silent');
  return { config, logger, dataSource, pool: poolOf(dataSource), reference, adminKey: ADMIN_KEY };
}

/** The ingest API listening on a free port of loopback: requests go over real HTTP. */
export async function startIngestApi(
  db: TestDatabase,
  env: Record<string, string> = {},
): Promise<{ url: string; app: NestFastifyApplication }> {
  const app = await createIngestApi(await testDeps(db, env));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, app };
}

export interface HttpAnswer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** A JSON request with an API key. */
export async function call<T = any>(
  url: string,
  method: string,
  path: string,
  options: { key?: string | null; body?: unknown; headers?: Record<string, string>; raw?: string } = {},
): Promise<HttpAnswer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? ADMIN_KEY : options.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  let payload: string | undefined = options.raw;
  if (options.body !== undefined) payload = JSON.stringify(options.body);
  if (payload !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${url}${path}`, { method, headers, body: payload });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
}
