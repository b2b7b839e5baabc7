import type { MigrationInterface, QueryRunner } from 'typeorm';

export class EventStore1700000000001 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await db.query(`
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
    `);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE checkpoints; DROP TABLE events;');
  }
}
