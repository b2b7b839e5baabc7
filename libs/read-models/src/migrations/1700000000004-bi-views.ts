import type { MigrationInterface, QueryRunner } from 'typeorm';
import { BI_ROLE_SQL, biViewsSql } from '../bi-views';

/** The views and the role that BI tools read through (the role is cluster-wide and outlives a revert). */
export class BiViews1700000000004 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query(BI_ROLE_SQL + biViewsSql());
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP SCHEMA bi CASCADE');
  }
}
