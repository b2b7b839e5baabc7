import type { DomainEvent, ProjectState, ReferenceCatalog } from '@app/domain';
import type { Actor } from '@app/event-store';

/** What a projection sees of one event besides the event itself. */
export interface ProjectionContext {
  /** The stored event's id, position and record time (the read models' record time), and who caused it. */
  readonly eventId: string;
  readonly position: number;
  readonly recordedAt: string;
  readonly actor: Actor;
  /** The project's state before the event (null for a lead, and for an event of another stream). */
  readonly previous: ProjectState | null;
  /** The project's state after the event (null for an event of another stream). */
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
  /** The row the event adds, or null when it changes nothing this model holds. */
  row(event: DomainEvent, context: ProjectionContext): Record<string, unknown> | null;
}

/** The columns of the event that made a row, which every read-model row carries (its readers never join back into the store). */
export const EVENT_COLUMNS = 'position bigint, event_id uuid, actor jsonb';

export function eventColumns({ position, eventId, actor }: ProjectionContext): Record<string, unknown> {
  return { position, event_id: eventId, actor };
}
