import { runService } from '@app/platform';
import { createIngestApi } from './ingest-api';

runService('ingest-api', async (deps) => {
  const app = await createIngestApi(deps);
  await app.listen({ port: deps.config.ingestPort, host: deps.config.host });
  deps.logger.info({ url: `http://${deps.config.host}:${deps.config.ingestPort}`, docs: '/docs' }, 'ingest-api listening');
  return app;
});
