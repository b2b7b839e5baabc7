import type { VisitRecorded } from '@app/domain';
import { EVENT_COLUMNS, eventColumns, type RowProjection } from './projection';

/** `visits`: one row per visit, for the visit counts of the KPIs. */
export const visitsProjection: RowProjection = {
  table: 'visits',
  columns: `project_id uuid, direction text, occurred_at timestamptz, recorded_at timestamptz, ${EVENT_COLUMNS}`,
  handles: new Set(['VisitRecorded']),
  row(event, context) {
    const { data, occurredAt } = event as VisitRecorded;
    return {
      project_id: data.projectId,
      direction: data.direction,
      occurred_at: occurredAt,
      recorded_at: context.recordedAt,
      ...eventColumns(context),
    };
  },
};
