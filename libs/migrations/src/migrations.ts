import { LoginLimits1700000000015, PEOPLE_ENTITIES, PeopleAndSessions1700000000007 } from '@app/people';
import { ApiKeyEntity, type DatabaseSchema } from '@app/platform';
import { LATER_READ_MODEL_MIGRATIONS, READ_MODEL_MIGRATIONS } from '@app/read-models';
import { EventStore1700000000001 } from './1700000000001-event-store';
import { ApiKeysAndIdempotency1700000000002 } from './1700000000002-api-keys-and-idempotency';
import { NoStatisticsForPayloads1700000000005 } from './1700000000005-no-statistics-for-payloads';
import { LeasesAndIdempotencyAge1700000000006 } from './1700000000006-leases-and-idempotency-age';

/**
 * The whole database schema — the event store, keys, idempotency, leases, the read models,
 * the BI views and the console's people — as TypeORM migrations, applied in order when any app starts (or with
 * `npm run migration:run`), and the entities of its row-shaped tables. Its own lib, as the
 * one place that knows every part of the schema (platform, which runs them, knows none).
 * Never edit an applied migration: add the next one, named `<13-digit timestamp>-<what>.ts`.
 */
export const DATABASE_SCHEMA: DatabaseSchema = {
  migrations: [
    EventStore1700000000001,
    ApiKeysAndIdempotency1700000000002,
    ...READ_MODEL_MIGRATIONS,
    NoStatisticsForPayloads1700000000005,
    LeasesAndIdempotencyAge1700000000006,
    PeopleAndSessions1700000000007,
    ...LATER_READ_MODEL_MIGRATIONS,
    LoginLimits1700000000015,
  ],
  entities: [ApiKeyEntity, ...PEOPLE_ENTITIES],
};
