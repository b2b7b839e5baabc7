import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import fastifyStatic from '@fastify/static';
import { People } from '@app/people';
import { CONFIG, DatabaseModule, REFERENCE_DATA, createHttpApp, type ServiceDeps } from '@app/platform';
import { Freshness, READ_CONTROLLERS, readProviders } from '@app/read-api';
import { WRITE_CONTROLLERS, writeProviders } from '@app/write-api';
import { ensureFirstAdmin } from './first-admin';
import { LedgerController } from './ledger/ledger.controller';
import { acceptLedgerUploads } from './ledger/upload';
import { PeopleController } from './people.controller';
import { SessionController } from './session.controller';
import { SessionGuard } from './session.guard';
import { codeListsOf } from '@app/domain';

/** Where the built pages are: `dist/console-web` at the top (`npm run build` writes them; they are not committed). */
function pagesDir(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'console-web');
  }
  throw new Error(`no package.json above ${__dirname}`);
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
  acceptLedgerUploads(app.getHttpAdapter().getInstance());
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
