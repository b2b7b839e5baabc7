import { runService } from '@app/platform';
import { createQueryApi } from './query-api';

runService('query-api', async (deps) => {
  const app = await createQueryApi(deps);
  await app.listen({ port: deps.config.queryPort, host: deps.config.host });
  deps.logger.info({ url: `http://${deps.config.host}:${deps.config.queryPort}`, docs: '/docs' }, 'query-api listening');
  return app;
});
