import type { PeriodClosed, TargetChanged } from '@app/domain';
import { eventColumns, type RowProjection } from './projection';

/** The year of a plan period label (`2025`, `2025-Q1`, `2025-03`). */
const yearOf = (period: string) => Number(period.slice(0, 4));

/** `period_closes`: one row per close (关账), for reported and restated figures and GET /v1/periods. */
export const periodClosesProjection: RowProjection = {
  table: 'period_closes',
  columns:
    'event_id uuid, year integer, period text, closed_position bigint, reason text, position bigint, occurred_at timestamptz, recorded_at timestamptz, actor jsonb',
  handles: new Set(['PeriodClosed']),
  row(event, context) {
    const { data, occurredAt } = event as PeriodClosed;
    return {
      year: yearOf(data.period),
      period: data.period,
      closed_position: data.position,
      reason: data.reason ?? null,
      occurred_at: occurredAt,
      recorded_at: context.recordedAt,
      ...eventColumns(context),
    };
  },
};

/** `target_changes`: one row per target set, changed or removed, in force from its record time. */
export const targetChangesProjection: RowProjection = {
  table: 'target_changes',
  columns:
    'event_id uuid, year integer, code text, scope text, period text, target double precision, comparator text, reason text, position bigint, recorded_at timestamptz, actor jsonb',
  handles: new Set(['TargetChanged']),
  row(event, context) {
    const { data } = event as TargetChanged;
    return {
      year: yearOf(data.period),
      code: data.code,
      scope: data.scope,
      period: data.period,
      target: data.target,
      comparator: data.comparator,
      reason: data.reason,
      recorded_at: context.recordedAt,
      ...eventColumns(context),
    };
  },
};
