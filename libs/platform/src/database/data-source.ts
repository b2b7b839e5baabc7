import type { Pool } from 'pg';
import { DataSource, type DataSourceOptions, type MigrationInterface } from 'typeorm';
import type { Logger } from '../logger';
import { ensureDatabase, hardenPool, POOL_EXTRA } from './database';

/** What a database holds: the TypeORM migrations that build it and the entities of its row-shaped tables. */
export interface DatabaseSchema {
  readonly migrations: ReadonlyArray<new () => MigrationInterface>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own type for entity classes
  readonly entities: ReadonlyArray<Function>;
}

export interface DatabaseOptions {
  readonly url: string;
  readonly poolSize: number;
  /** Shown in pg_stat_activity, so that one sees who holds each connection. */
  readonly applicationName?: string;
  readonly connectionTimeoutMs?: number;
}

/** TypeORM's table of applied migrations. */
export const MIGRATIONS_TABLE = 'migrations';

/** The DataSource options of a service's database: one pool, with the session options every connection gets. */
export function dataSourceOptions(options: DatabaseOptions, schema: DatabaseSchema): DataSourceOptions {
  return {
    type: 'postgres',
    url: options.url,
    poolSize: options.poolSize,
    applicationName: options.applicationName,
    connectTimeoutMS: options.connectionTimeoutMs ?? 10_000,
    extra: POOL_EXTRA,
    entities: [...schema.entities],
    migrations: [...schema.migrations],
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsTransactionMode: 'each',
    logging: false,
  };
}

/**
 * The pool under a DataSource: the hot paths (event append, projection writes, KPI queries,
 * rebuild) run their hand-written SQL on it, through the same connections as the repositories.
 */
export function poolOf(dataSource: DataSource): Pool {
  const pool = (dataSource.driver as unknown as { master?: Pool }).master;
  if (!pool) throw new Error('the DataSource is not initialized');
  return pool;
}

/**
 * Connects a DataSource — creating the database when it is missing, hardening its pool (see
 * hardenPool) — and applies what is missing of the schema (see runMigrations).
 */
export async function openDataSource(options: DatabaseOptions, schema: DatabaseSchema, logger?: Logger): Promise<DataSource> {
  await ensureDatabase(options.url);
  const dataSource = await new DataSource(dataSourceOptions(options, schema)).initialize();
  hardenPool(poolOf(dataSource));
  try {
    await runMigrations(dataSource, logger);
  } catch (error) {
    await dataSource.destroy().catch(() => undefined);
    throw error;
  }
  return dataSource;
}

/** A fixed advisory-lock key: only one process migrates at a time (TypeORM itself does not lock). */
const MIGRATION_LOCK = 7_301_001;

/**
 * Applies the migrations not yet applied, in order, each in its own transaction, one process
 * at a time. A database migrated before the schema was managed by TypeORM (its versions in
 * `schema_migrations`) is adopted first: those steps are recorded as applied, not run again.
 */
async function runMigrations(dataSource: DataSource, logger?: Logger): Promise<string[]> {
  const lock = await poolOf(dataSource).connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await adoptVersionedMigrations(dataSource);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    for (const migration of applied) logger?.info({ migration: migration.name }, 'migration applied');
    return applied.map((m) => m.name);
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    lock.release();
  }
}

/** The timestamps of TypeORM migration names are 1700000000000 + the old version number. */
const VERSION_BASE = 1_700_000_000_000;

async function adoptVersionedMigrations(dataSource: DataSource): Promise<void> {
  const [{ legacy }] = await dataSource.query(`SELECT to_regclass('public.schema_migrations') IS NOT NULL AS legacy`);
  if (!legacy) return;
  await dataSource.transaction(async (manager) => {
    await manager.query(
      `CREATE TABLE IF NOT EXISTS "${MIGRATIONS_TABLE}" (id SERIAL PRIMARY KEY, "timestamp" bigint NOT NULL, name varchar NOT NULL)`,
    );
    const versions: Array<{ version: number }> = await manager.query('SELECT version FROM schema_migrations ORDER BY version');
    const names = new Map(
      dataSource.migrations.map((m) => [Number((m.name ?? m.constructor.name).slice(-13)), m.name ?? m.constructor.name]),
    );
    for (const { version } of versions) {
      const timestamp = VERSION_BASE + version;
      const name = names.get(timestamp);
      if (!name) throw new Error(`schema_migrations has version ${version}, which no migration of this build matches`);
      await manager.query(`INSERT INTO "${MIGRATIONS_TABLE}" ("timestamp", name) VALUES ($1, $2)`, [timestamp, name]);
    }
    await manager.query('DROP TABLE schema_migrations');
  });
}
