import { MIGRATIONS } from '@app/migrations';
import { listen, runService } from '@app/platform';
import { createIngestApi } from './ingest-api';

runService(
  'ingest-api',
  async (deps) => {
    const app = await createIngestApi(deps);
    await listen(app, 'ingest-api', deps.config.ingestPort, deps.config, deps.logger);
    return app;
  },
  { migrations: MIGRATIONS },
);
