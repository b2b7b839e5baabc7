import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ApiKeysAndIdempotency1700000000002 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE api_keys (
        id         uuid PRIMARY KEY,
        name       text        NOT NULL,
        role       text        NOT NULL CHECK (role IN ('admin', 'writer', 'partner', 'reader')),
        units      text[],
        partner_id text,
        key_hash   bytea       NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      );

      -- The first answer to each idempotency key (per API key), stored with the events it wrote.
      CREATE TABLE idempotency_keys (
        principal    text        NOT NULL,
        key          text        NOT NULL,
        request_hash text        NOT NULL,
        status       smallint    NOT NULL,
        body         jsonb       NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (principal, key)
      );
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE idempotency_keys; DROP TABLE api_keys;');
  }
}
