import { MIGRATIONS } from '@app/migrations';
import { listen, runService } from '@app/platform';
import { createQueryApi } from './query-api';

runService(
  'query-api',
  async (deps) => {
    const app = await createQueryApi(deps);
    await listen(app, 'query-api', deps.config.queryPort, deps.config, deps.logger);
    return app;
  },
  { migrations: MIGRATIONS },
);
