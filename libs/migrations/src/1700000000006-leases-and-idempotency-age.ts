import type { MigrationInterface, QueryRunner } from 'typeorm';

export class LeasesAndIdempotencyAge1700000000006 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      -- Leadership with a deadline (the relay): a holder that stops renewing is replaced,
      -- and token grows with every new holder so that a late one can be fenced off.
      CREATE TABLE leases (
        name       text PRIMARY KEY,
        holder     text        NOT NULL,
        token      bigint      NOT NULL,
        expires_at timestamptz NOT NULL
      );
      -- Idempotency answers are purged after IDEMPOTENCY_RETENTION_DAYS.
      CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX idempotency_keys_created_at; DROP TABLE leases;');
  }
}
