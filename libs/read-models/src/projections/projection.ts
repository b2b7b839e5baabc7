import type { DomainEvent, ProjectState, ReferenceCatalog } from '@app/domain';

/** What a projection sees of one event besides the event itself. */
export interface ProjectionContext {
  /** When the event was stored (the read models' record time). */
  readonly recordedAt: string;
  /** The project's state after the event (null for an activity's event). */
  readonly state: ProjectState | null;
  readonly reference: ReferenceCatalog;
}

/**
 * One append-only read model: the events it handles and the row each one adds. The rows of
 * all projections of a chunk are written together by one statement (see writer.ts).
 */
export interface RowProjection {
  /** The table, unqualified (the schema is the caller's: live or a rebuild's). */
  readonly table: string;
  /** `name type, …` of the row, as jsonb_to_recordset takes them. */
  readonly columns: string;
  readonly handles: ReadonlySet<DomainEvent['type']>;
  row(event: DomainEvent, context: ProjectionContext): Record<string, unknown>;
}
