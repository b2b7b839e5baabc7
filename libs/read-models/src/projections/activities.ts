import type { ActivityHeld } from '@app/domain';
import { EVENT_COLUMNS, eventColumns, type RowProjection } from './projection';

/** `activities`: one row per promotion activity held. */
export const activitiesProjection: RowProjection = {
  table: 'activities',
  columns: `activity_id uuid, kind text, title text, region text, unit text, occurred_at timestamptz, recorded_at timestamptz, ${EVENT_COLUMNS}`,
  handles: new Set(['ActivityHeld']),
  row(event, context) {
    const { data, occurredAt } = event as ActivityHeld;
    const { activityId, kind, title, region, unit } = data;
    return {
      activity_id: activityId,
      kind,
      title,
      region,
      unit,
      occurred_at: occurredAt,
      recorded_at: context.recordedAt,
      ...eventColumns(context),
    };
  },
};
