import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Failed logins per client address (the limit across usernames), and the audit log read in pages by kind and person. */
export class LoginLimits1700000000015 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      -- One row per failed login or password change from an address in the last minute (older rows are purged):
      -- past 30 of them the address is refused (429) until the oldest is a minute old.
      CREATE TABLE login_address_failures (
        id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        address text        NOT NULL,
        at      timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX login_address_failures_address ON login_address_failures (address, at);
      CREATE INDEX login_address_failures_at ON login_address_failures (at);

      CREATE INDEX audit_log_action ON audit_log (action, id);
      CREATE INDEX audit_log_subject ON audit_log (subject, id);
      CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      DROP INDEX audit_log_actor; DROP INDEX audit_log_subject; DROP INDEX audit_log_action;
      DROP TABLE login_address_failures;
    `);
  }
}
