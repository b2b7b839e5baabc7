import type { PoolClient } from 'pg';
import { TableMaintenance, createLogger } from '@app/platform';
import { freshDatabase, type TestDatabase } from '../support/database';

/** The server counts a session's writes when the session goes idle; wait until they show. */
async function insertedSinceVacuum(db: TestDatabase, table: string): Promise<number> {
  const { rows } = await db.pool.query(
    `SELECT n_ins_since_vacuum AS n FROM pg_stat_user_tables WHERE format('%I.%I', schemaname, relname) = $1`,
    [table],
  );
  return Number(rows[0].n);
}

async function waitForCounts(db: TestDatabase, writer: PoolClient, expected: Record<string, number>): Promise<void> {
  await writer.query('SELECT pg_stat_force_next_flush()');
  const deadline = Date.now() + 20_000;
  for (;;) {
    const counts = await Promise.all(Object.keys(expected).map((table) => insertedSinceVacuum(db, table)));
    if (counts.every((n, i) => n >= Object.values(expected)[i])) return;
    if (Date.now() > deadline) throw new Error(`the server never counted the inserts: ${counts.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function lastMaintained(db: TestDatabase, table: string): Promise<{ vacuumed: boolean; analyzed: boolean }> {
  const { rows } = await db.pool.query(
    `SELECT last_vacuum IS NOT NULL AS vacuumed, last_analyze IS NOT NULL AS analyzed
       FROM pg_stat_user_tables WHERE format('%I.%I', schemaname, relname) = $1`,
    [table],
  );
  return rows[0];
}

describe('table maintenance (autovacuum off on the server)', () => {
  let db: TestDatabase;
  let autovacuumOff: boolean;

  beforeAll(async () => {
    db = await freshDatabase();
    autovacuumOff = (await db.pool.query("SELECT current_setting('autovacuum') AS v")).rows[0].v === 'off';
  });
  afterAll(() => db.drop());

  it('vacuums and analyzes the tables of its schemas that passed the thresholds, and only those', async () => {
    const writer = await db.pool.connect();
    try {
      // 3,000 events in public (over the insert threshold of 1,000 on an empty table), 3,000 visits in rm, 10 checkpoints.
      await writer.query(
        `INSERT INTO events (event_id, type, stream_id, version, schema_version, occurred_at, recorded_at, actor, data)
         SELECT gen_random_uuid(), 'LeadRegistered', 'project-' || gen_random_uuid(), 1, 1, now(), now(), '{}', '{}' FROM generate_series(1, 3000)`,
      );
      await writer.query(
        `INSERT INTO rm.visits (project_id, direction, occurred_at, recorded_at, position, event_id, actor)
         SELECT gen_random_uuid(), 'inbound', now(), now(), i, gen_random_uuid(), '{}' FROM generate_series(1, 3000) AS i`,
      );
      await writer.query(`INSERT INTO checkpoints (name, position) SELECT 'c' || i, i FROM generate_series(1, 10) AS i`);
      await waitForCounts(db, writer, { 'public.events': 3000, 'rm.visits': 3000, 'public.checkpoints': 10 });
    } finally {
      writer.release();
    }

    const maintenance = new TableMaintenance(db.pool, ['public'], createLogger('test', 'silent'), 60_000);
    const done = await maintenance.runOnce();

    if (!autovacuumOff) {
      // The server's autovacuum does the job: nothing to do here.
      expect(done).toEqual([]);
      return;
    }
    expect(done).toEqual([{ table: 'public.events', action: 'vacuum' }]);
    expect(await lastMaintained(db, 'public.events')).toEqual({ vacuumed: true, analyzed: true });
    // Below its thresholds, and in another schema: untouched.
    expect(await lastMaintained(db, 'public.checkpoints')).toEqual({ vacuumed: false, analyzed: false });
    expect(await lastMaintained(db, 'rm.visits')).toEqual({ vacuumed: false, analyzed: false });
  });
});
