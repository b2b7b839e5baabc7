import type { ActivityHeld } from './activity/activity';
import { PROJECT_EVENT_TYPES, type ProjectEvent } from './project/project.events';

/** Every event the system stores, as the deciders produce it (before the store adds its envelope). */
export type DomainEvent = ProjectEvent | ActivityHeld;

export const EVENT_TYPES: readonly DomainEvent['type'][] = [...PROJECT_EVENT_TYPES, 'ActivityHeld'];

/** Version of the `data` shape of each event type; bumped with an upcaster when a shape changes. */
export const EVENT_SCHEMA_VERSION = 1;
