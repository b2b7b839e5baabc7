import type { ActivityHeld } from './activity/activity';
import { PLAN_EVENT_TYPES, type PlanEvent } from './plan/plan';
import { PROJECT_EVENT_TYPES, type ProjectEvent } from './project/project.events';

/** Every event the system stores, as the deciders produce it (before the store adds its envelope). */
export type DomainEvent = ProjectEvent | ActivityHeld | PlanEvent;

export const EVENT_TYPES: readonly DomainEvent['type'][] = [...PROJECT_EVENT_TYPES, 'ActivityHeld', ...PLAN_EVENT_TYPES];

const PROJECT_TYPES = new Set<string>(PROJECT_EVENT_TYPES);

/** Whether an event of this type belongs to a project's stream (the others: activities, the plan). */
export const isProjectEventType = (type: string): type is ProjectEvent['type'] => PROJECT_TYPES.has(type);

/** Version of the `data` shape of each event type; bumped with an upcaster when a shape changes. */
export const EVENT_SCHEMA_VERSION = 1;
