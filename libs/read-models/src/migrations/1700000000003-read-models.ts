import type { MigrationInterface, QueryRunner } from 'typeorm';
import { LIVE_SCHEMA, quoteIdent, readModelSchemaSql } from '../schema';

export class ReadModels1700000000003 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query(readModelSchemaSql(LIVE_SCHEMA));
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP SCHEMA ${quoteIdent(LIVE_SCHEMA)} CASCADE`);
  }
}
