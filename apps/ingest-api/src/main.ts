import { DATABASE_SCHEMA } from '@app/migrations';
import { runApplication } from '@app/platform';
import { createIngestApi } from './ingest-api';

runApplication('ingest-api', createIngestApi, (config) => config.ingestPort, { schema: DATABASE_SCHEMA });
