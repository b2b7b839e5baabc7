import { resolve } from 'node:path';
import type { Provider } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { getRepositoryToken } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import type { DataSource, Repository } from 'typeorm';
import { Gauge } from 'prom-client';
import { loadReferenceData, type ReferenceData } from '@app/reference-data';
import { adminKeyFromFile } from './admin-key';
import { ApiKeyEntity } from './auth/api-key.entity';
import { ApiKeys } from './auth/api-keys';
import { RateLimiter } from './auth/rate-limiter';
import { ConfigError, loadConfig, type Config } from './config';
import { openDataSource, poolOf, type DatabaseSchema } from './database/data-source';
import { ApiKeyGuard } from './http/auth.guard';
import { listen } from './http/http-app';
import { createLogger, type Logger } from './logger';
import { CONFIG, REFERENCE_DATA } from './tokens';

/** What every service is built from; tests build the same from their own database and broker. */
export interface ServiceDeps {
  readonly config: Config;
  readonly logger: Logger;
  /** The app's connection (given to Nest by DatabaseModule, closed with the app). */
  readonly dataSource: DataSource;
  /** The DataSource's pool, for the hand-written SQL of the hot paths. */
  readonly pool: Pool;
  readonly reference: ReferenceData;
  /** The admin key in force (ADMIN_API_KEY, or one generated at start in development). */
  readonly adminKey: string;
}

/** Providers shared by the HTTP services: the dependencies above, API keys, rate limit and the auth guard. */
export function coreProviders(deps: ServiceDeps): Provider[] {
  return [
    { provide: CONFIG, useValue: deps.config },
    { provide: REFERENCE_DATA, useValue: deps.reference },
    {
      provide: ApiKeys,
      useFactory: (repository: Repository<ApiKeyEntity>) => new ApiKeys(repository, deps.adminKey),
      inject: [getRepositoryToken(ApiKeyEntity)],
    },
    { provide: RateLimiter, useValue: new RateLimiter(deps.config.rateLimitPerMinute) },
    {
      provide: APP_GUARD,
      useFactory: (reflector: Reflector, keys: ApiKeys, limiter: RateLimiter) =>
        new ApiKeyGuard(reflector, keys, limiter, new RateLimiter(deps.config.failedAuthPerMinute)),
      inject: [Reflector, ApiKeys, RateLimiter],
    },
  ];
}

/** A service asked to stop exits within this time, cleanly or not (contract §6: within 10 s of SIGTERM). */
const STOP_DEADLINE_MS = 8_000;

/** The database pool's connections on /metrics. */
function measurePool(pool: Pool): void {
  new Gauge({
    name: 'db_pool_connections',
    help: 'Database connections of this process, by state',
    labelNames: ['state'],
    collect() {
      this.set({ state: 'total' }, pool.totalCount);
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
    },
  });
}

export interface ServiceOptions {
  /** The database schema (migrations applied at start, entities) — see @app/migrations. */
  readonly schema: DatabaseSchema;
  /** False for a service that takes no API key (relay, projector): it needs no admin key. */
  readonly checksApiKeys?: boolean;
}

/**
 * Runs a service process: reads and checks the configuration and reference data, creates
 * and migrates the database, starts the service and stops it cleanly on SIGINT/SIGTERM.
 * A bad configuration stops the process with a message that names the problem.
 */
function runService(name: string, start: (deps: ServiceDeps) => Promise<{ close(): Promise<void> }>, options: ServiceOptions): void {
  let logger: Logger = createLogger(name);
  const boot = async () => {
    const config = loadConfig();
    logger = createLogger(name, config.logLevel);
    const reference = loadReferenceData();
    const dataSource = await openDataSource(
      { url: config.databaseUrl, poolSize: config.databasePoolSize, applicationName: name },
      options.schema,
      logger,
    );
    const pool = poolOf(dataSource);
    let adminKey = config.adminApiKey ?? '';
    if (config.adminApiKey === null && options.checksApiKeys !== false) {
      const file = resolve(config.adminApiKeyFile);
      adminKey = adminKeyFromFile(file);
      logger.warn({ file }, 'ADMIN_API_KEY is not set: the admin key is in this file');
    }
    measurePool(pool);
    const service = await start({ config, logger, dataSource, pool, reference, adminKey });
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping');
      // Whatever it is waiting for (a hung broker, a lost database), the process is gone in time.
      setTimeout(() => {
        logger.warn({ afterMs: STOP_DEADLINE_MS }, 'not stopped cleanly in time; exiting');
        process.exit(1);
      }, STOP_DEADLINE_MS).unref();
      await service.close().catch((error) => logger.error({ err: error }, 'error while stopping'));
      if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
      process.exit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
  };
  boot().catch((error) => {
    if (error instanceof ConfigError || error?.name === 'ReferenceDataError') console.error(`${name}: ${error.message}`);
    else logger.fatal({ err: error }, 'failed to start');
    process.exit(1);
  });
}

/**
 * Runs a Nest application as a service process (see runService): built from the
 * dependencies, listening on `port(config)`, closed (with its lifecycle hooks) on a signal.
 */
export function runApplication(
  name: string,
  create: (deps: ServiceDeps) => Promise<NestFastifyApplication>,
  port: (config: Config) => number,
  options: ServiceOptions,
): void {
  runService(
    name,
    async (deps) => {
      const app = await create(deps);
      await listen(app, name, port(deps.config), deps.config, deps.logger);
      return app;
    },
    options,
  );
}
