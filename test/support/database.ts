import { randomBytes } from 'node:crypto';
import { Client, type Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { DATABASE_SCHEMA } from '@app/migrations';
import { openDataSource, poolOf } from '@app/platform';

export interface TestDatabase {
  readonly url: string;
  /** The test's own connections, for its set-up and checks (each app under test opens its own: see testDeps). */
  readonly pool: Pool;
  drop(): Promise<void>;
}

/**
 * A new, migrated database on the real PostgreSQL server, named after the test run so that
 * `npm test` drops it at the end even if a test forgets to.
 */
export async function freshDatabase(poolSize = 10): Promise<TestDatabase> {
  const prefix = process.env.TEST_DB_PREFIX;
  if (!prefix) throw new Error('TEST_DB_PREFIX is not set: run the tests with `npm test`');
  const server = new URL(process.env.TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres');
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  server.pathname = `/${name}`;
  const url = server.toString();
  const dataSource: DataSource = await openDataSource({ url, poolSize }, DATABASE_SCHEMA);
  return {
    url,
    pool: poolOf(dataSource),
    /** Drops the database even while a client is still checked out (a test that failed half-way). */
    async drop() {
      const ended = dataSource.destroy().catch(() => undefined);
      server.pathname = '/postgres';
      const admin = new Client({ connectionString: server.toString() });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
      await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 2000))]);
    },
  };
}
