import { MIGRATIONS } from '@app/migrations';
import { runApplication } from '@app/platform';
import { createQueryApi } from './query-api';

runApplication('query-api', createQueryApi, (config) => config.queryPort, { migrations: MIGRATIONS });
