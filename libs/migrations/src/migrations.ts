import type { Migration } from '@app/platform';
import { BI_ROLE_SQL, biViewsSql, readModelSchemaSql } from '@app/read-models';

/**
 * The whole database schema — the event store, keys, idempotency, leases, the read models
 * and the BI views — as versioned migrations, applied in order by `migrate()` when any app
 * starts. Its own lib, as the one place that knows every part of the schema (platform,
 * which runs them, knows none). Never edit an applied migration: add the next one.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'event store',
    sql: `
      -- The truth. position is handed out under a transaction-scoped advisory lock held
      -- until commit (see libs/event-store), so positions are in commit order and a reader
      -- that follows position never skips an event committed late.
      CREATE TABLE events (
        position       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        event_id       uuid        NOT NULL UNIQUE,
        stream_id      text        NOT NULL,
        version        integer     NOT NULL CHECK (version > 0),
        type           text        NOT NULL,
        schema_version smallint    NOT NULL,
        occurred_at    timestamptz NOT NULL,
        recorded_at    timestamptz NOT NULL,
        actor          jsonb       NOT NULL,
        data           jsonb       NOT NULL,
        CONSTRAINT events_stream_version UNIQUE (stream_id, version)
      );
      COMMENT ON TABLE events IS '事件日志: 项目与招商活动的全部事件 (the event log)';
      CREATE INDEX events_recorded_at ON events (recorded_at);

      -- How far each reader of the store (the relay, rebuilds) got.
      CREATE TABLE checkpoints (
        name       text PRIMARY KEY,
        position   bigint      NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    version: 2,
    name: 'api keys and idempotency',
    sql: `
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
    `,
  },
  {
    version: 3,
    name: 'read models',
    sql: readModelSchemaSql('rm'),
  },
  {
    version: 4,
    name: 'views and role for BI',
    sql: BI_ROLE_SQL + biViewsSql(),
  },
  {
    version: 5,
    name: 'no planner statistics for payload columns',
    // Nothing filters on these documents; sampling them made ANALYZE of the events ~40 % slower.
    sql: `
      ALTER TABLE events ALTER COLUMN data SET STATISTICS 0, ALTER COLUMN actor SET STATISTICS 0;
      ALTER TABLE idempotency_keys ALTER COLUMN body SET STATISTICS 0;
      ALTER TABLE rm.projects ALTER COLUMN state SET STATISTICS 0;
    `,
  },
  {
    version: 6,
    name: 'leases; idempotency answers by age',
    sql: `
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
    `,
  },
];
