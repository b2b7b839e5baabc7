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
