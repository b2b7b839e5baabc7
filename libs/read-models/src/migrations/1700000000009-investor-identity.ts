import type { MigrationInterface, QueryRunner } from 'typeorm';
import { investorColumns } from '../projections/projects';
import { LIVE_SCHEMA, PROJECTS_INVESTOR_INDEXES, quoteIdent } from '../schema';

/** Rows filled per statement: a large read model is backfilled without one huge parameter. */
const BATCH = 10_000;

/**
 * rm.projects keeps its investor's credit code and normalized name (contract §7's duplicate
 * warning compares them, indexed). A database made before has them filled from each project's
 * state, normalized by the very function the projection uses; a fresh one (or a rebuild) has them
 * from the start.
 */
export class InvestorIdentity1700000000009 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    const projects = `${quoteIdent(LIVE_SCHEMA)}.projects`;
    await db.query(`ALTER TABLE ${projects} ADD COLUMN IF NOT EXISTS investor_code text, ADD COLUMN IF NOT EXISTS investor_name text`);
    for (;;) {
      const rows: Array<{ project_id: string; investor: { name: string; creditCode?: string } }> = await db.query(
        `SELECT project_id, state->'investor' AS investor FROM ${projects} WHERE investor_name IS NULL LIMIT ${BATCH}`,
      );
      if (rows.length === 0) break;
      const filled = rows.map((r) => investorColumns(r.investor));
      await db.query(
        `UPDATE ${projects} p SET investor_code = x.code, investor_name = x.name
           FROM unnest($1::uuid[], $2::text[], $3::text[]) AS x(project_id, code, name)
          WHERE p.project_id = x.project_id`,
        [rows.map((r) => r.project_id), filled.map((f) => f.investor_code), filled.map((f) => f.investor_name)],
      );
    }
    await db.query(`ALTER TABLE ${projects} ALTER COLUMN investor_name SET NOT NULL`);
    await db.query(`CREATE INDEX IF NOT EXISTS ${PROJECTS_INVESTOR_INDEXES.code} ON ${projects} (investor_code)`);
    await db.query(`CREATE INDEX IF NOT EXISTS ${PROJECTS_INVESTOR_INDEXES.name} ON ${projects} (investor_name)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE ${quoteIdent(LIVE_SCHEMA)}.projects DROP COLUMN investor_code, DROP COLUMN investor_name`);
  }
}
