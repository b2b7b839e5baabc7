import { DATABASE_SCHEMA } from '@app/migrations';
import { runApplication } from '@app/platform';
import { createQueryApi } from './query-api';

runApplication('query-api', createQueryApi, (config) => config.queryPort, { schema: DATABASE_SCHEMA });
