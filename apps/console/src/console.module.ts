import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import fastifyStatic from '@fastify/static';
import { People } from '@app/people';
import { ApiError, CONFIG, DatabaseModule, REFERENCE_DATA, createHttpApp, type ServiceDeps } from '@app/platform';
import { Freshness, READ_CONTROLLERS, readProviders } from '@app/read-api';
import { WRITE_CONTROLLERS, writeProviders } from '@app/write-api';
import { ensureFirstAdmin } from './first-admin';
import { LedgerController } from './ledger/ledger.controller';
import { acceptLedgerUploads } from './ledger/upload';
import { PeopleController } from './people.controller';
import { SessionController, loginRateLimited } from './session.controller';
import { SessionGuard, sessionTokenOf } from './session.guard';
import { codeListsOf } from '@app/domain';

/** Where the built pages are: `dist/console-web` at the top (`npm run build` writes them; they are not committed). */
function pagesDir(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'console-web');
  }
  throw new Error(`no package.json above ${__dirname}`);
}

/**
 * The Content-Security-Policy of every console answer: its own scripts, styles and data only,
 * never framed (a framed page's buttons could be clicked through a decoy). The page's one inline
 * script (the cockpit's preload) is allowed by its hash. /docs (Swagger UI) keeps its inline styles.
 */
function contentSecurityPolicies(pages: string): { pages: string; docs: string } {
  const page = join(pages, 'index.html');
  const html = existsSync(page) ? readFileSync(page, 'utf8') : '';
  const inlineScripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map(
    ([, code]) => `'sha256-${createHash('sha256').update(code, 'utf8').digest('base64')}'`,
  );
  const policy = (styles: string) =>
    [
      "default-src 'self'",
      ["script-src 'self'", ...inlineScripts].join(' '),
      `style-src ${styles}`,
      "img-src 'self' data: blob:",
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; ');
  return { pages: policy("'self'"), docs: policy("'self' 'unsafe-inline'") };
}

/**
 * The console (contract §7): the pages, and on the same origin the write and read APIs — the
 * very controllers of the ingest and query APIs — for the person logged in, behind the
 * session guard instead of the API-key guard; plus log-in and the accounts of people.
 */
@Module({})
export class ConsoleModule {
  static with(deps: ServiceDeps, freshness: Freshness, people: People): DynamicModule {
    return {
      module: ConsoleModule,
      imports: [DatabaseModule.of(deps.dataSource), CqrsModule.forRoot()],
      controllers: [SessionController, PeopleController, LedgerController, ...WRITE_CONTROLLERS, ...READ_CONTROLLERS],
      providers: [
        { provide: CONFIG, useValue: deps.config },
        { provide: REFERENCE_DATA, useValue: deps.reference },
        { provide: People, useValue: people },
        { provide: APP_GUARD, useFactory: (reflector: Reflector) => new SessionGuard(reflector, people), inject: [Reflector] },
        ...writeProviders(deps),
        ...readProviders(deps, freshness),
      ],
    };
  }
}

/** The console's application, not yet listening; creates the first admin when there is none. */
export async function createConsoleApp(deps: ServiceDeps): Promise<NestFastifyApplication> {
  const people = new People(deps.dataSource);
  await ensureFirstAdmin(people, deps.config, deps.logger);
  const freshness = new Freshness(deps.pool, deps.config.minPositionWaitMs);
  freshness.start();
  const app = await createHttpApp(ConsoleModule.with(deps, freshness, people), {
    config: deps.config,
    logger: deps.logger,
    codeLists: codeListsOf(deps.reference),
    title: 'Investment pipeline — console',
    description: 'The workbench of promotion staff: log-in, accounts, and the write and read APIs for the person logged in (contract §7).',
    port: deps.config.consolePort,
    health: async () => {
      await deps.pool.query('SELECT 1');
      return { database: 'ok' };
    },
  });
  const fastify = app.getHttpAdapter().getInstance();
  acceptLedgerUploads(fastify);
  const policy = contentSecurityPolicies(pagesDir());
  fastify.addHook('onSend', async (request, reply) => {
    reply.header('content-security-policy', request.url.startsWith('/docs') ? policy.docs : policy.pages);
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'same-origin');
  });
  fastify.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.url ?? '';
    // An address known to be past its login limit is answered before its request is even read: a flood costs next to nothing.
    if ((route === '/v1/session' && request.method === 'POST') || (route === '/v1/session/password' && request.method === 'PUT')) {
      const blockedFor = people.blockedFor(request.ip);
      if (blockedFor === 0) return;
      const refused = loginRateLimited(blockedFor);
      return reply.status(429).headers(refused.headers).send(refused.answer.body);
    }
    // The metrics and the API documents are for people logged in (the metrics for admins), not for anyone who finds the port.
    if (route !== '/metrics' && !route.startsWith('/docs')) return;
    const token = sessionTokenOf(request);
    const session = token ? await people.session(token) : null;
    const refused = !session
      ? ApiError.of(401, 'unauthorized', '未登录或登录已过期')
      : route === '/metrics' && session.person.role !== 'admin'
        ? ApiError.of(403, 'forbidden', '没有权限')
        : null;
    if (refused) return reply.status(refused.answer.status).send(refused.answer.body);
  });
  // The build writes every page file also compressed (.br, .gz): sent as they are to browsers that accept them.
  await app.register(fastifyStatic as never, {
    root: pagesDir(),
    prefix: '/',
    index: ['index.html'],
    wildcard: false,
    preCompressed: true,
    // Chunks are named by their content's hash: a browser keeps them; the page and its entry script it revalidates.
    cacheControl: false,
    setHeaders: (reply: { setHeader(name: string, value: string): void }, path: string) => {
      reply.setHeader('cache-control', /[\\/]chunks[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  return app;
}
