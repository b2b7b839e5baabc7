import type { FundInvestmentMade } from '@app/domain';
import { EVENT_COLUMNS, eventColumns, type RowProjection } from './projection';

/** `fund_investments`: one row per investment by a fund, marked municipal or not from the reference data. */
export const fundInvestmentsProjection: RowProjection = {
  table: 'fund_investments',
  columns: `project_id uuid, fund text, municipal boolean, amount_wan bigint, occurred_at timestamptz, recorded_at timestamptz, ${EVENT_COLUMNS}`,
  handles: new Set(['FundInvestmentMade']),
  row(event, context) {
    const { data, occurredAt } = event as FundInvestmentMade;
    return {
      project_id: data.projectId,
      fund: data.fund,
      municipal: context.reference.funds.get(data.fund)?.level === 'municipal',
      amount_wan: data.amountWan,
      occurred_at: occurredAt,
      recorded_at: context.recordedAt,
      ...eventColumns(context),
    };
  },
};
