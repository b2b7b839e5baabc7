/**
 * The read models, all in one schema so that a rebuild can fill a fresh schema and swap it
 * in whole (see rebuild.ts). `rm` is the live one. Instants are UTC (timestamptz).
 */
export const LIVE_SCHEMA = 'rm';

/** An identifier for SQL text, always quoted: `rm` → `"rm"`. */
export function quoteIdent(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

/** The read-model schema whole: its tables and their secondary indexes. */
export function readModelSchemaSql(schema: string): string {
  return readModelTablesSql(schema) + readModelIndexesSql(schema);
}

/** The tables (with their primary keys) without secondary indexes: a rebuild creates those after loading. */
export function readModelTablesSql(schema: string): string {
  const s = quoteIdent(schema);
  return `
    CREATE SCHEMA ${s};

    -- Projection progress and de-duplication: the last version applied of every stream.
    CREATE TABLE ${s}.streams (
      stream_id text PRIMARY KEY,
      version   integer NOT NULL
    );

    -- Each project's current state (GET /v1/projects/{id}).
    CREATE TABLE ${s}.projects (
      project_id    uuid PRIMARY KEY,
      version       integer     NOT NULL,
      stage         text        NOT NULL,
      unit          text        NOT NULL,
      channels      text[]      NOT NULL,
      lead_at       timestamptz NOT NULL,
      last_event_at timestamptz NOT NULL,
      state         jsonb       NOT NULL,
      investor_code text,                 -- the investor's credit code, upper-case; NULL without one
      investor_name text        NOT NULL, -- the investor's name, whitespace removed, case folded
      registered_by jsonb       NOT NULL -- the actor of its LeadRegistered: a partner reads the projects it registered
    );
    ALTER TABLE ${s}.projects ALTER COLUMN state SET STATISTICS 0; -- nothing filters on the document

    -- The facts KPIs count, one row per event that changed them: a row holds from the event that
    -- made it (valid_from_position, its record time valid_from) to the project's next such event
    -- (valid_to_position, valid_to; NULL = current). Every event is its own step, also within a
    -- batch, whose events share one record time: there a row holds for no record time at all.
    -- Current KPIs read the open rows; asOf = T reads the rows valid at T (positions and record
    -- times rise together, so a cut by record time is a cut by position); what moved a number
    -- compares each row with the one it replaced, by position.
    CREATE TABLE ${s}.project_facts (
      project_id          uuid        NOT NULL,
      valid_from          timestamptz NOT NULL,
      valid_to            timestamptz,
      valid_from_position bigint      NOT NULL,
      valid_to_position   bigint,
      event_id            uuid        NOT NULL,
      event_type          text        NOT NULL,
      occurred_at         timestamptz NOT NULL, -- the event's business time
      actor               jsonb       NOT NULL,
      stage          text        NOT NULL,
      unit           text        NOT NULL,
      channels       text[]      NOT NULL,
      origin_region  text        NOT NULL,
      sector         text        NOT NULL,
      chain          text        NOT NULL,
      industrial     boolean     NOT NULL,
      investor_key   text        NOT NULL,
      planned_wan    bigint      NOT NULL,
      lead_at        timestamptz NOT NULL,
      signed_wan     bigint,
      signed_at      timestamptz,
      started_wan    bigint,
      started_at     timestamptz
    );

    CREATE TABLE ${s}.visits (
      project_id  uuid        NOT NULL,
      direction   text        NOT NULL,
      occurred_at timestamptz NOT NULL,
      recorded_at timestamptz NOT NULL,
      position    bigint      NOT NULL,
      event_id    uuid        NOT NULL,
      actor       jsonb       NOT NULL
    );

    CREATE TABLE ${s}.fund_investments (
      project_id  uuid        NOT NULL,
      fund        text        NOT NULL,
      municipal   boolean     NOT NULL,
      amount_wan  bigint      NOT NULL,
      occurred_at timestamptz NOT NULL,
      recorded_at timestamptz NOT NULL,
      position    bigint      NOT NULL,
      event_id    uuid        NOT NULL,
      actor       jsonb       NOT NULL
    );

    -- Stored events the projection could not apply (also sent to the DLQ): they count as
    -- handled for read-your-writes, so one bad event does not stall every waiting reader.
    CREATE TABLE ${s}.dead_letters (
      position  bigint PRIMARY KEY,
      stream_id text        NOT NULL,
      version   integer     NOT NULL,
      reason    text        NOT NULL,
      at        timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE ${s}.activities (
      activity_id uuid PRIMARY KEY,
      kind        text        NOT NULL,
      title       text        NOT NULL,
      region      text        NOT NULL,
      unit        text        NOT NULL,
      occurred_at timestamptz NOT NULL,
      recorded_at timestamptz NOT NULL,
      position    bigint      NOT NULL,
      event_id    uuid        NOT NULL,
      actor       jsonb       NOT NULL
    );

${planTablesSql(schema)}
  `;
}

/** The plan's events (stream plan-<year>) as the reports read them: closes and target changes. */
export function planTablesSql(schema: string): string {
  const s = quoteIdent(schema);
  return `
    CREATE TABLE ${s}.period_closes (
      event_id        uuid PRIMARY KEY,
      year            integer     NOT NULL,
      period          text        NOT NULL,
      closed_position bigint      NOT NULL, -- the store's last committed position when it was closed
      reason          text,
      position        bigint      NOT NULL,
      occurred_at     timestamptz NOT NULL,
      recorded_at     timestamptz NOT NULL,
      actor           jsonb       NOT NULL
    );

    CREATE TABLE ${s}.target_changes (
      event_id    uuid PRIMARY KEY,
      year        integer          NOT NULL,
      code        text             NOT NULL,
      scope       text             NOT NULL,
      period      text             NOT NULL,
      target      double precision,
      comparator  text             NOT NULL,
      reason      text             NOT NULL,
      position    bigint           NOT NULL,
      recorded_at timestamptz      NOT NULL,
      actor       jsonb            NOT NULL
    );
  `;
}

/**
 * Inbound visits by business time, with what inbound_enterprise_count reads: the year's visits
 * come from the index alone, not from as many scattered heap rows.
 */
export const INBOUND_VISITS_INDEX = 'visits_inbound_idx';

/** The duplicate warning's look-ups of live projects by the investor's credit code or normalized name. */
export const PROJECTS_INVESTOR_INDEXES = { code: 'projects_investor_code_idx', name: 'projects_investor_name_idx' } as const;

/** Secondary indexes, by the queries that need them: KPIs by signed/started time, asOf by validity, project pages. */
export function readModelIndexesSql(schema: string): string {
  const s = quoteIdent(schema);
  return `
    CREATE INDEX ON ${s}.projects (stage, unit);
    CREATE INDEX ON ${s}.projects (last_event_at);
    CREATE INDEX ${PROJECTS_INVESTOR_INDEXES.code} ON ${s}.projects (investor_code);
    CREATE INDEX ${PROJECTS_INVESTOR_INDEXES.name} ON ${s}.projects (investor_name);
    CREATE UNIQUE INDEX ON ${s}.project_facts (project_id) WHERE valid_to IS NULL;
    CREATE INDEX ON ${s}.project_facts (signed_at) WHERE valid_to IS NULL;
    CREATE INDEX ON ${s}.project_facts (started_at) WHERE valid_to IS NULL;
    CREATE INDEX ON ${s}.project_facts (valid_from, valid_to);
    CREATE INDEX ON ${s}.project_facts (project_id, valid_from_position);
    CREATE INDEX ${INBOUND_VISITS_INDEX} ON ${s}.visits (occurred_at) INCLUDE (project_id, recorded_at) WHERE direction = 'inbound';
    CREATE INDEX ON ${s}.fund_investments (project_id);
    CREATE INDEX ON ${s}.fund_investments (occurred_at);
    CREATE INDEX ON ${s}.activities (occurred_at);
    CREATE INDEX ON ${s}.period_closes (year, position);
    CREATE INDEX ON ${s}.target_changes (year, position);
  `;
}

/** Every transaction that applies events holds this lock shared; a rebuild's swap takes it exclusively. */
export const PROJECTION_LOCK = 7_301_004;

/** Notified after every applied chunk, with its last position; read-your-writes waiters wake on it. */
export const PROJECTION_APPLIED_CHANNEL = 'investment_projection_applied';
