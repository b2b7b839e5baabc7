import type { MigrationInterface, QueryRunner } from 'typeorm';
import { REFERENCE_CODES_TABLE, biLookupViewsSql } from '../bi-views';

/** The codes of the reference data with their Chinese names, and the BI views over them (bi.units, bi.chains…). */
export class BiLookupViews1700000000013 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query(biLookupViewsSql());
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      `DROP VIEW bi.units, bi.chains, bi.funds, bi.channels, bi.regions, bi.sectors, bi.stages; DROP TABLE ${REFERENCE_CODES_TABLE}`,
    );
  }
}
