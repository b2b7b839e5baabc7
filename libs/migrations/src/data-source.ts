import { DataSource } from 'typeorm';
import { dataSourceOptions, loadConfig } from '@app/platform';
import { DATABASE_SCHEMA } from './migrations';

/** For the TypeORM CLI (`npm run migration:run`, `migration:show`, `migration:revert`): the database of DATABASE_URL. */
export default new DataSource(
  dataSourceOptions({ url: loadConfig().databaseUrl, poolSize: 2, applicationName: 'migrations' }, DATABASE_SCHEMA),
);
