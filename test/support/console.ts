import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createConsoleApp } from '../../apps/console/src/console.module';
import { Projector } from '../../apps/projector/src/projector';
import { Relay } from '../../apps/relay/src/relay';
import { createKafka } from '@app/messaging';
import { createLogger } from '@app/platform';
import { freshDatabase, type TestDatabase } from './database';
import { reference } from './fixtures';
import { provisionedPrefix, testConnection, testSigningKeys } from './kafka';
import { testDeps } from './services';

export const CONSOLE_ADMIN_PASSWORD = 'console-passphrase-2025';

/** The console with the relay and projector behind it, in this process, on a fresh database and its own topics. */
export interface ConsoleStack {
  readonly db: TestDatabase;
  readonly url: string;
  close(): Promise<void>;
}

export async function startConsole(env: Record<string, string> = {}): Promise<ConsoleStack> {
  const db = await freshDatabase(10);
  const prefix = await provisionedPrefix();
  const logger = createLogger('console-test', process.env.LOG_LEVEL || 'silent');
  const signingKeys = testSigningKeys();
  const relay = new Relay(db.pool, createKafka(testConnection('relay'), 'relay', logger), logger, {
    topicPrefix: prefix,
    partitions: 3,
    signingKeys,
  });
  await relay.start();
  const projector = new Projector(db.pool, createKafka(testConnection('projector'), 'projector', logger), reference, logger, {
    topicPrefix: prefix,
    partitions: 3,
    signingKeys,
  });
  await projector.start();
  const app: NestFastifyApplication = await createConsoleApp(
    await testDeps(db, { CONSOLE_ADMIN_PASSWORD, MIN_POSITION_WAIT_MS: '5000', TRUST_PROXY: '1', ...env }),
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    db,
    url: `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`,
    async close() {
      await app.close();
      await projector.stop();
      await relay.stop();
      await db.drop();
    },
  };
}

/** A browser-like client of the console: keeps the session cookie and sends the CSRF token on changes. */
export class ConsoleClient {
  cookie = '';
  csrfToken = '';

  constructor(
    readonly url: string,
    /** Sent as X-Forwarded-For (the stack trusts it): the client's address. */
    readonly address = '192.0.2.10',
  ) {}

  async login(username: string, password: string): Promise<{ status: number; body: any; setCookie: string | null }> {
    const answer = await this.request('POST', '/v1/session', { username, password });
    const setCookie = answer.headers.get('set-cookie');
    if (answer.status === 200) {
      this.cookie = setCookie!.split(';')[0];
      this.csrfToken = answer.body.csrfToken;
    }
    return { status: answer.status, body: answer.body, setCookie };
  }

  async request(method: string, path: string, body?: unknown, options: { csrf?: boolean } = {}) {
    const headers: Record<string, string> = { 'x-forwarded-for': this.address };
    if (this.cookie) headers.cookie = this.cookie;
    if (method !== 'GET' && options.csrf !== false && this.csrfToken) headers['x-csrf-token'] = this.csrfToken;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
  }
}
