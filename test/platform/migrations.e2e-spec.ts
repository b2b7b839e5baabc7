import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { DATABASE_SCHEMA } from '@app/migrations';
import { openDataSource } from '@app/platform';
import { freshDatabase, type TestDatabase } from '../support/database';

const ROOT = join(__dirname, '..', '..');
const migrationNames = DATABASE_SCHEMA.migrations.map((m) => m.name);

/** The TypeORM CLI on the compiled data source, as `npm run migration:<command>` runs it (without the build). */
function typeormCli(command: string, databaseUrl: string): string {
  const result = spawnSync(
    process.execPath,
    [
      '-r',
      join(ROOT, 'scripts', 'register-paths.js'),
      join(ROOT, 'node_modules', 'typeorm', 'cli.js'),
      command,
      '-d',
      'dist/libs/migrations/src/data-source.js',
    ],
    { cwd: ROOT, env: { ...process.env, DATABASE_URL: databaseUrl }, encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`typeorm ${command} failed: ${result.stderr}${result.stdout}`);
  return result.stdout;
}

async function emptyDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const server = new URL(process.env.TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres');
  const name = `${process.env.TEST_DB_PREFIX}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: server.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const again = new Client({ connectionString: server.toString() });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await again.end();
    },
  };
}

describe('the schema as TypeORM migrations', () => {
  it('the TypeORM CLI lists the pending migrations, runs them, and then finds none pending', async () => {
    const db = await emptyDatabase();
    try {
      const before = typeormCli('migration:show', db.url);
      for (const name of migrationNames) expect(before).toMatch(new RegExp(`\\[ \\] .*${name}`));
      typeormCli('migration:run', db.url);
      const after = typeormCli('migration:show', db.url);
      for (const name of migrationNames) expect(after).toMatch(new RegExp(`\\[X\\] .*${name}`));
      expect(after).not.toContain('[ ]');
      const client = new Client({ connectionString: db.url });
      await client.connect();
      const tables = await client.query(
        `SELECT to_regclass('events') AS events, to_regclass('rm.projects') AS projects, to_regclass('bi.projects') AS bi`,
      );
      await client.end();
      expect(tables.rows[0]).toEqual({ events: 'events', projects: 'rm.projects', bi: 'bi.projects' });
    } finally {
      await db.drop();
    }
  });

  describe('a database migrated before TypeORM managed the schema', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await freshDatabase(2);
      // As the versioned migrations 1–6 left it: their tables, their versions in schema_migrations.
      await db.pool.query(`
        DROP TABLE migrations;
        DROP TABLE login_address_failures, audit_log, login_lockouts, sessions, people;
        CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
        INSERT INTO schema_migrations (version, name) SELECT v, 'step ' || v FROM generate_series(1, 6) AS v;
      `);
      await db.pool.query(`INSERT INTO checkpoints (name, position) VALUES ('kept', 42)`);
    });
    afterAll(() => db.drop());

    it('is adopted: its steps are recorded as applied, none runs again, the newer ones run, and its data stays', async () => {
      const dataSource = await openDataSource({ url: db.url, poolSize: 2 }, DATABASE_SCHEMA);
      await dataSource.destroy();
      const { rows } = await db.pool.query('SELECT "timestamp", name FROM migrations ORDER BY "timestamp"');
      expect(rows.map((r) => r.name)).toEqual(migrationNames);
      expect((await db.pool.query(`SELECT to_regclass('schema_migrations') AS t`)).rows[0].t).toBeNull();
      expect((await db.pool.query(`SELECT position FROM checkpoints WHERE name = 'kept'`)).rows[0].position).toBe('42');
    });
  });
});
