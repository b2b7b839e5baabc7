import type { Provider } from '@nestjs/common';
import { EVENT_STORE, PostgresEventStore } from '@app/event-store';
import type { ServiceDeps } from '@app/platform';
import { BatchController } from './batch.controller';
import { ExecuteWritesHandler } from './execute-writes.handler';
import { PlanController } from './plan.controller';
import { WriteController } from './write.controller';

export { WRITE_COMMAND_TYPES, isAnswer, parseWriteRequest, type WriteCommandType, type WriteRequest } from './write-request';
export { ExecuteWrites } from './execute-writes.handler';
export { actorOf } from './authorize';

/**
 * The write API of contract §4 (single commands and batches), as controllers and providers
 * that an app mounts beside its own auth guard: the ingest API behind API keys, the console
 * behind sessions. One set of deciders, one set of authorization rules. The app must also
 * provide CONFIG, REFERENCE_DATA and PG_POOL, and import CqrsModule.
 */
export const WRITE_CONTROLLERS = [WriteController, BatchController, PlanController];

export function writeProviders(deps: ServiceDeps): Provider[] {
  return [{ provide: EVENT_STORE, useValue: new PostgresEventStore(deps.pool) }, ExecuteWritesHandler];
}
