import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The people who log in to the console, their sessions, lock-outs and the record of logins and admin actions. */
export class PeopleAndSessions1700000000007 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE people (
        id            uuid PRIMARY KEY,
        username      text        NOT NULL UNIQUE,
        display_name  text        NOT NULL,
        role          text        NOT NULL CHECK (role IN ('admin', 'writer', 'reader')),
        units         text[],
        password_hash text        NOT NULL,
        disabled_at   timestamptz,
        created_at    timestamptz NOT NULL DEFAULT now()
      );
      COMMENT ON TABLE people IS '工作台用户';

      -- Only the SHA-256 of a session's token is kept: a copy of the table opens no session.
      CREATE TABLE sessions (
        token_hash   bytea PRIMARY KEY,
        person_id    uuid        NOT NULL REFERENCES people (id) ON DELETE CASCADE,
        csrf_token   text        NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        ended_at     timestamptz
      );
      CREATE INDEX sessions_person ON sessions (person_id) WHERE ended_at IS NULL;

      -- Failed logins in a row, per username and address; five lock that pair for 15 minutes.
      CREATE TABLE login_lockouts (
        username     text        NOT NULL,
        address      text        NOT NULL,
        failures     integer     NOT NULL,
        locked_until timestamptz,
        PRIMARY KEY (username, address)
      );

      CREATE TABLE audit_log (
        id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at       timestamptz NOT NULL DEFAULT now(),
        actor_id text,
        action   text        NOT NULL,
        subject  text,
        address  text,
        detail   jsonb       NOT NULL DEFAULT '{}'
      );
      CREATE INDEX audit_log_at ON audit_log (at);
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE audit_log; DROP TABLE login_lockouts; DROP TABLE sessions; DROP TABLE people;');
  }
}
