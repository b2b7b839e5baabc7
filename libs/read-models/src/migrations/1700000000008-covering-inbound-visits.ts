import type { MigrationInterface, QueryRunner } from 'typeorm';
import { INBOUND_VISITS_INDEX, LIVE_SCHEMA, quoteIdent } from '../schema';

/** The inbound visits' index covers the columns inbound_enterprise_count reads (a database made before it had a plain one). */
export class CoveringInboundVisits1700000000008 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    const s = quoteIdent(LIVE_SCHEMA);
    await db.query(`DROP INDEX IF EXISTS ${s}.visits_occurred_at_idx`);
    await db.query(
      `CREATE INDEX IF NOT EXISTS ${INBOUND_VISITS_INDEX} ON ${s}.visits (occurred_at) INCLUDE (project_id, recorded_at) WHERE direction = 'inbound'`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    const s = quoteIdent(LIVE_SCHEMA);
    await db.query(`DROP INDEX IF EXISTS ${s}.${INBOUND_VISITS_INDEX}`);
    await db.query(`CREATE INDEX visits_occurred_at_idx ON ${s}.visits (occurred_at) WHERE direction = 'inbound'`);
  }
}
