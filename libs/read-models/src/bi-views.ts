import type { Pool } from 'pg';
import { CODE_LISTS, STAGE_NAMES, codeListsOf, type ReferenceCatalog } from '@app/domain';

/**
 * Stable SQL views for BI tools that connect to PostgreSQL directly, in schema `bi`, with
 * Chinese comments. They read the live read models (`rm`); a rebuild re-creates them in the
 * transaction that swaps the new tables in, so they never point at old tables.
 * BI logins get the role `investment_bi`, which may read these views and nothing else.
 */
export const BI_ROLE = 'investment_bi';

export function biViewsSql(): string {
  return `
    CREATE SCHEMA IF NOT EXISTS bi;
    COMMENT ON SCHEMA bi IS '招商引资项目库 BI 视图 (稳定接口)';

    CREATE OR REPLACE VIEW bi.projects AS
      SELECT p.project_id, p.stage, p.state->>'name' AS name, p.state->'investor'->>'name' AS investor_name,
             p.state->'investor'->>'creditCode' AS investor_credit_code, p.state->'investor'->>'originRegion' AS origin_region,
             p.state->'industry'->>'chain' AS chain, p.state->'industry'->>'sector' AS sector, (p.state->>'industrial')::boolean AS industrial,
             p.channels, p.unit, (p.state->>'plannedInvestmentWan')::bigint AS planned_investment_wan, p.lead_at,
             (p.state->>'signedAmountWan')::bigint AS signed_amount_wan, (p.state->>'signedAt')::timestamptz AS signed_at,
             (p.state->>'startedInvestmentWan')::bigint AS started_investment_wan, (p.state->>'startedAt')::timestamptz AS started_at,
             (p.state->'visits'->>'inbound')::int AS inbound_visits, (p.state->'visits'->>'outbound')::int AS outbound_visits,
             (p.state->>'fundInvestedWan')::bigint AS fund_invested_wan, p.last_event_at, p.version
        FROM rm.projects p;
    COMMENT ON VIEW bi.projects IS '项目当前状态(含更正), 每个项目一行';
    COMMENT ON COLUMN bi.projects.project_id IS '项目ID';
    COMMENT ON COLUMN bi.projects.stage IS '阶段: lead 线索 / negotiating 在谈 / signed 已签约 / started 已开工 / dropped 已终止';
    COMMENT ON COLUMN bi.projects.name IS '项目名称';
    COMMENT ON COLUMN bi.projects.investor_name IS '投资方名称';
    COMMENT ON COLUMN bi.projects.investor_credit_code IS '投资方统一社会信用代码';
    COMMENT ON COLUMN bi.projects.origin_region IS '投资方来源地区代码';
    COMMENT ON COLUMN bi.projects.chain IS '产业链代码';
    COMMENT ON COLUMN bi.projects.sector IS '产业类别: emerging 新兴 / future 未来 / other 其他';
    COMMENT ON COLUMN bi.projects.industrial IS '是否工业项目';
    COMMENT ON COLUMN bi.projects.channels IS '招商方式代码';
    COMMENT ON COLUMN bi.projects.unit IS '责任单位代码';
    COMMENT ON COLUMN bi.projects.planned_investment_wan IS '计划投资额(万元)';
    COMMENT ON COLUMN bi.projects.lead_at IS '线索登记时间(业务时间, UTC)';
    COMMENT ON COLUMN bi.projects.signed_amount_wan IS '签约额(万元)';
    COMMENT ON COLUMN bi.projects.signed_at IS '签约时间(业务时间, UTC)';
    COMMENT ON COLUMN bi.projects.started_investment_wan IS '开工投资额(万元)';
    COMMENT ON COLUMN bi.projects.started_at IS '开工时间(业务时间, UTC)';
    COMMENT ON COLUMN bi.projects.inbound_visits IS '来郑考察次数(迎进来)';
    COMMENT ON COLUMN bi.projects.outbound_visits IS '外出拜访次数(走出去)';
    COMMENT ON COLUMN bi.projects.fund_invested_wan IS '基金投资合计(万元)';
    COMMENT ON COLUMN bi.projects.last_event_at IS '最近一次事件的业务时间';
    COMMENT ON COLUMN bi.projects.version IS '事件流版本';

    CREATE OR REPLACE VIEW bi.project_facts AS
      SELECT project_id, valid_from, valid_to, stage, unit, channels, origin_region, sector, chain, industrial,
             planned_wan, lead_at, signed_wan, signed_at, started_wan, started_at,
             valid_from_position, valid_to_position, event_id, event_type
        FROM rm.project_facts;
    COMMENT ON VIEW bi.project_facts IS '项目指标口径事实的历史: 每次登记/首次走访/签约/开工/更正/终止一行, 按事件位置先后生效; valid_to 为空即当前';
    COMMENT ON COLUMN bi.project_facts.valid_from IS '生效(记录)时间';
    COMMENT ON COLUMN bi.project_facts.valid_to IS '失效(记录)时间, 空为当前';
    COMMENT ON COLUMN bi.project_facts.stage IS '阶段: lead 线索 / negotiating 在谈 / signed 已签约 / started 已开工 / dropped 已终止';
    COMMENT ON COLUMN bi.project_facts.valid_from_position IS '生效事件的位置(同一批次的事件各占一步)';
    COMMENT ON COLUMN bi.project_facts.valid_to_position IS '失效事件的位置, 空为当前';
    COMMENT ON COLUMN bi.project_facts.event_id IS '生效事件ID';
    COMMENT ON COLUMN bi.project_facts.event_type IS '生效事件类型';
    COMMENT ON COLUMN bi.project_facts.signed_wan IS '签约额(万元)';
    COMMENT ON COLUMN bi.project_facts.started_wan IS '开工投资额(万元)';
    COMMENT ON COLUMN bi.project_facts.planned_wan IS '计划投资额(万元)';

    CREATE OR REPLACE VIEW bi.visits AS SELECT project_id, direction, occurred_at, recorded_at FROM rm.visits;
    COMMENT ON VIEW bi.visits IS '考察拜访记录: inbound 来郑考察 / outbound 外出拜访';

    CREATE OR REPLACE VIEW bi.fund_investments AS SELECT project_id, fund, municipal, amount_wan, occurred_at, recorded_at FROM rm.fund_investments;
    COMMENT ON VIEW bi.fund_investments IS '基金投资记录; municipal 为市级基金';
    COMMENT ON COLUMN bi.fund_investments.amount_wan IS '投资额(万元)';

    CREATE OR REPLACE VIEW bi.activities AS SELECT activity_id, kind, title, region, unit, occurred_at, recorded_at FROM rm.activities;
    COMMENT ON VIEW bi.activities IS '招商活动: outbound 走出去 / inbound 迎进来 / conference 会议';

    GRANT USAGE ON SCHEMA bi TO ${BI_ROLE};
    GRANT SELECT ON ALL TABLES IN SCHEMA bi TO ${BI_ROLE};
  `;
}

/** The role is cluster-wide: created once, whichever database migrates first. */
export const BI_ROLE_SQL = `
  DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${BI_ROLE}') THEN
      CREATE ROLE ${BI_ROLE} NOLOGIN;
    END IF;
  EXCEPTION WHEN unique_violation OR duplicate_object THEN NULL;
  END $$;
`;

/**
 * The codes of the reference data the service loaded, with their Chinese names, for BI tools to
 * join the views' codes to: one row per list and code, rewritten by the projector at start
 * (refreshReferenceCodes). Outside `rm`, which a rebuild replaces.
 */
export const REFERENCE_CODES_TABLE = 'reference_codes';

/** The lookup views over it, readable by the BI role. */
export function biLookupViewsSql(): string {
  const view = (name: string, list: string, columns: string, comment: string) => `
    CREATE OR REPLACE VIEW bi.${name} AS
      SELECT code, name${columns}, sort_order FROM ${REFERENCE_CODES_TABLE} WHERE list = '${list}';
    COMMENT ON VIEW bi.${name} IS '${comment}';
    COMMENT ON COLUMN bi.${name}.code IS '代码';
    COMMENT ON COLUMN bi.${name}.name IS '名称';
    COMMENT ON COLUMN bi.${name}.sort_order IS '排序(参考数据中的顺序)';`;
  return `
    CREATE TABLE IF NOT EXISTS ${REFERENCE_CODES_TABLE} (
      list text NOT NULL,
      code text NOT NULL,
      name text NOT NULL,
      kind text,
      level text,
      sort_order int NOT NULL,
      PRIMARY KEY (list, code)
    );
    ${view('units', 'units', ', kind', '责任单位代码表: 与 bi.projects.unit、bi.activities.unit 关联')}
    COMMENT ON COLUMN bi.units.kind IS '单位类型: zone 开发区 / district 区县(市) / special 中原科技城等单列单位';
    ${view('chains', 'chains', '', '产业链代码表: 与 bi.projects.chain 关联')}
    ${view('funds', 'funds', ", level, level = 'municipal' AS municipal", '基金代码表: 与 bi.fund_investments.fund 关联')}
    COMMENT ON COLUMN bi.funds.level IS '基金级别: municipal 市级基金 / unit 开发区、区县自有基金';
    COMMENT ON COLUMN bi.funds.municipal IS '是否市级基金';
    ${view('channels', 'channels', '', '招商方式代码表: 与 bi.projects.channels 的元素关联')}
    ${view('regions', 'regions', '', '投资方来源地区代码表: 与 bi.projects.origin_region、bi.activities.region 关联')}
    ${view('sectors', 'sectors', '', '产业类别代码表: 与 bi.projects.sector 关联')}
    ${view('stages', 'stages', '', '项目阶段代码表: 与 bi.projects.stage 关联')}
    GRANT SELECT ON bi.units, bi.chains, bi.funds, bi.channels, bi.regions, bi.sectors, bi.stages TO ${BI_ROLE};
  `;
}

/**
 * Writes the codes of the reference data loaded, in one transaction: codes no longer in the
 * files go, names and kinds follow the files. Services starting together take turns.
 */
export async function refreshReferenceCodes(pool: Pool, reference: ReferenceCatalog): Promise<void> {
  const lists = codeListsOf(reference);
  const rows = [
    ...CODE_LISTS.flatMap((list) =>
      lists[list].map(({ code, name }, i) => ({
        list,
        code,
        name,
        kind: list === 'units' ? (reference.units.get(code)?.kind ?? null) : null,
        level: list === 'funds' ? (reference.funds.get(code)?.level ?? null) : null,
        sortOrder: i + 1,
      })),
    ),
    ...Object.entries(STAGE_NAMES).map(([code, name], i) => ({ list: 'stages', code, name, kind: null, level: null, sortOrder: i + 1 })),
  ];
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`LOCK TABLE ${REFERENCE_CODES_TABLE} IN EXCLUSIVE MODE`);
    await client.query(`DELETE FROM ${REFERENCE_CODES_TABLE}`);
    await client.query(
      `INSERT INTO ${REFERENCE_CODES_TABLE} (list, code, name, kind, level, sort_order)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[])`,
      (['list', 'code', 'name', 'kind', 'level', 'sortOrder'] as const).map((column) => rows.map((row) => row[column])),
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
