import type { MigrationInterface, QueryRunner } from 'typeorm';
import { biViewsSql } from '../bi-views';
import { LIVE_SCHEMA, planTablesSql, quoteIdent } from '../schema';

/** The event types that open a facts row (besides a visit that moves the stage). */
const FACT_TYPES = `('LeadRegistered', 'ProjectSigned', 'ProjectStarted', 'ProjectCorrected', 'ProjectDropped')`;

/**
 * The read models carry the events that made their rows — id, position, actor (and a facts
 * row's type and business time) — so that no report reads the store: what moved a number is
 * attributed by position, also within a batch whose events share one record time. Each
 * project's row carries who registered it (the partner scope); the plan's closes and target
 * changes get tables of their own; a visit that makes a lead negotiating opens a facts row.
 *
 * An existing database is filled from the store: every row is paired with its event, in
 * order, by what they share (a project's facts rows are its facts events, one each, in
 * version order; a visit is its project, direction and business time). Within one batch of
 * three or more facts events of one project the rows' order is read from their content;
 * `npm run rebuild` rebuilds everything from the store exactly.
 */
export class ReadModelsCarryTheirEvents1700000000012 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    const s = quoteIdent(LIVE_SCHEMA);
    // A database created since has these tables from the start (migration 3 creates the schema as it is now).
    const [{ current }] = await db.query(`SELECT to_regclass('${LIVE_SCHEMA}.period_closes') IS NOT NULL AS current`);
    if (current) return;
    const applied = `e.position NOT IN (SELECT d.position FROM ${s}.dead_letters d)`;
    for (const table of ['visits', 'fund_investments', 'activities']) {
      await db.query(`ALTER TABLE ${s}.${table} ADD COLUMN position bigint, ADD COLUMN event_id uuid, ADD COLUMN actor jsonb`);
    }
    await db.query(`
      WITH r AS (
        SELECT ctid AS id, project_id, direction, occurred_at,
               row_number() OVER (PARTITION BY project_id, direction, occurred_at ORDER BY recorded_at, ctid) AS n
          FROM ${s}.visits
      ), e AS (
        SELECT (e.data->>'projectId')::uuid AS project_id, e.data->>'direction' AS direction, e.occurred_at, e.position, e.event_id, e.actor,
               row_number() OVER (PARTITION BY e.stream_id, e.data->>'direction', e.occurred_at ORDER BY e.position) AS n
          FROM events e WHERE e.type = 'VisitRecorded' AND ${applied}
      )
      UPDATE ${s}.visits v SET position = e.position, event_id = e.event_id, actor = e.actor
        FROM r JOIN e USING (project_id, direction, occurred_at, n) WHERE v.ctid = r.id`);
    await db.query(`
      WITH r AS (
        SELECT ctid AS id, project_id, fund, amount_wan, occurred_at,
               row_number() OVER (PARTITION BY project_id, fund, amount_wan, occurred_at ORDER BY recorded_at, ctid) AS n
          FROM ${s}.fund_investments
      ), e AS (
        SELECT (e.data->>'projectId')::uuid AS project_id, e.data->>'fund' AS fund, (e.data->>'amountWan')::bigint AS amount_wan,
               e.occurred_at, e.position, e.event_id, e.actor,
               row_number() OVER (PARTITION BY e.stream_id, e.data->>'fund', e.data->>'amountWan', e.occurred_at ORDER BY e.position) AS n
          FROM events e WHERE e.type = 'FundInvestmentMade' AND ${applied}
      )
      UPDATE ${s}.fund_investments f SET position = e.position, event_id = e.event_id, actor = e.actor
        FROM r JOIN e USING (project_id, fund, amount_wan, occurred_at, n) WHERE f.ctid = r.id`);
    await db.query(`
      UPDATE ${s}.activities a SET position = e.position, event_id = e.event_id, actor = e.actor
        FROM events e WHERE e.stream_id = 'activity-' || a.activity_id AND e.version = 1`);

    await db.query(`
      ALTER TABLE ${s}.project_facts ADD COLUMN valid_from_position bigint, ADD COLUMN valid_to_position bigint,
        ADD COLUMN event_id uuid, ADD COLUMN event_type text, ADD COLUMN occurred_at timestamptz, ADD COLUMN actor jsonb`);
    await db.query(`
      WITH r AS (
        SELECT ctid AS id, project_id,
               row_number() OVER (PARTITION BY project_id
                                  ORDER BY valid_from, valid_to IS NULL OR valid_to > valid_from, signed_at IS NOT NULL,
                                           started_at IS NOT NULL, stage = 'dropped', ctid) AS n
          FROM ${s}.project_facts
      ), e AS (
        SELECT substr(e.stream_id, 9)::uuid AS project_id, e.position, e.event_id, e.type, e.occurred_at, e.actor,
               row_number() OVER (PARTITION BY e.stream_id ORDER BY e.position) AS n
          FROM events e WHERE e.stream_id LIKE 'project-%' AND e.type IN ${FACT_TYPES} AND ${applied}
      )
      UPDATE ${s}.project_facts f
         SET valid_from_position = e.position, event_id = e.event_id, event_type = e.type, occurred_at = e.occurred_at, actor = e.actor
        FROM r JOIN e USING (project_id, n) WHERE f.ctid = r.id`);
    await db.query(`
      UPDATE ${s}.project_facts f SET valid_to_position = n.next
        FROM (SELECT ctid AS id, lead(valid_from_position) OVER (PARTITION BY project_id ORDER BY valid_from_position) AS next
                FROM ${s}.project_facts) n
       WHERE f.ctid = n.id AND n.next IS NOT NULL`);
    // A project's first visit made it negotiating: its row from then on says so.
    await db.query(`
      WITH first_visit AS (
        SELECT DISTINCT ON (project_id) project_id, position, recorded_at, event_id, occurred_at, actor
          FROM ${s}.visits ORDER BY project_id, position
      ), old AS (
        SELECT f.ctid AS id, f.*, v.position AS v_position, v.recorded_at AS v_recorded_at, v.event_id AS v_event_id,
               v.occurred_at AS v_occurred_at, v.actor AS v_actor
          FROM ${s}.project_facts f JOIN first_visit v ON v.project_id = f.project_id
         WHERE f.stage = 'lead' AND f.valid_from_position < v.position AND (f.valid_to_position IS NULL OR f.valid_to_position > v.position)
      ), closed AS (
        UPDATE ${s}.project_facts f SET valid_to = o.v_recorded_at, valid_to_position = o.v_position FROM old o WHERE f.ctid = o.id
      )
      INSERT INTO ${s}.project_facts (project_id, valid_from, valid_to, valid_from_position, valid_to_position, event_id, event_type,
                                      occurred_at, actor, stage, unit, channels, origin_region, sector, chain, industrial, investor_key,
                                      planned_wan, lead_at, signed_wan, signed_at, started_wan, started_at)
      SELECT project_id, v_recorded_at, valid_to, v_position, valid_to_position, v_event_id, 'VisitRecorded',
             v_occurred_at, v_actor, 'negotiating', unit, channels, origin_region, sector, chain, industrial, investor_key,
             planned_wan, lead_at, signed_wan, signed_at, started_wan, started_at
        FROM old`);

    await db.query(`ALTER TABLE ${s}.projects ADD COLUMN registered_by jsonb`);
    await db.query(`
      UPDATE ${s}.projects p SET registered_by = e.actor
        FROM events e WHERE e.stream_id = 'project-' || p.project_id AND e.version = 1`);

    for (const [table, columns] of [
      ['visits', ['position', 'event_id', 'actor']],
      ['fund_investments', ['position', 'event_id', 'actor']],
      ['activities', ['position', 'event_id', 'actor']],
      ['project_facts', ['valid_from_position', 'event_id', 'event_type', 'occurred_at', 'actor']],
      ['projects', ['registered_by']],
    ] as const) {
      await db.query(`ALTER TABLE ${s}.${table} ${columns.map((c) => `ALTER COLUMN ${c} SET NOT NULL`).join(', ')}`);
    }
    await db.query(`CREATE INDEX ON ${s}.project_facts (project_id, valid_from_position)`);

    await db.query(planTablesSql(LIVE_SCHEMA));
    await db.query(`
      INSERT INTO ${s}.period_closes (event_id, year, period, closed_position, reason, position, occurred_at, recorded_at, actor)
      SELECT e.event_id, substr(e.data->>'period', 1, 4)::int, e.data->>'period', (e.data->>'position')::bigint, e.data->>'reason',
             e.position, e.occurred_at, date_trunc('milliseconds', e.recorded_at), e.actor
        FROM events e WHERE e.type = 'PeriodClosed'`);
    await db.query(`
      INSERT INTO ${s}.target_changes (event_id, year, code, scope, period, target, comparator, reason, position, recorded_at, actor)
      SELECT e.event_id, substr(e.data->>'period', 1, 4)::int, e.data->>'code', e.data->>'scope', e.data->>'period',
             (e.data->>'target')::double precision, e.data->>'comparator', e.data->>'reason', e.position,
             date_trunc('milliseconds', e.recorded_at), e.actor
        FROM events e WHERE e.type = 'TargetChanged'`);
    await db.query(`CREATE INDEX ON ${s}.period_closes (year, position); CREATE INDEX ON ${s}.target_changes (year, position);`);
    await db.query(biViewsSql());
  }

  async down(db: QueryRunner): Promise<void> {
    const s = quoteIdent(LIVE_SCHEMA);
    await db.query(`DROP VIEW bi.project_facts`);
    await db.query(`DROP TABLE ${s}.period_closes, ${s}.target_changes`);
    // The rows visits opened go; the rows they closed hold again until the next one.
    await db.query(`
      UPDATE ${s}.project_facts f SET valid_to = v.valid_to
        FROM ${s}.project_facts v
       WHERE v.event_type = 'VisitRecorded' AND f.project_id = v.project_id AND f.valid_to_position = v.valid_from_position`);
    await db.query(`DELETE FROM ${s}.project_facts WHERE event_type = 'VisitRecorded'`);
    await db.query(`
      ALTER TABLE ${s}.project_facts DROP COLUMN valid_from_position, DROP COLUMN valid_to_position, DROP COLUMN event_id,
        DROP COLUMN event_type, DROP COLUMN occurred_at, DROP COLUMN actor`);
    for (const table of ['visits', 'fund_investments', 'activities']) {
      await db.query(`ALTER TABLE ${s}.${table} DROP COLUMN position, DROP COLUMN event_id, DROP COLUMN actor`);
    }
    await db.query(`ALTER TABLE ${s}.projects DROP COLUMN registered_by`);
    await db.query(`
      CREATE VIEW bi.project_facts AS
        SELECT project_id, valid_from, valid_to, stage, unit, channels, origin_region, sector, chain, industrial,
               planned_wan, lead_at, signed_wan, signed_at, started_wan, started_at
          FROM ${s}.project_facts;
      GRANT SELECT ON bi.project_facts TO investment_bi`);
  }
}
