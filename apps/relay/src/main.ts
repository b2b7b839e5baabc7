import { MIGRATIONS } from '@app/migrations';
import { listen, runService } from '@app/platform';
import { createRelayApp } from './relay.module';

runService(
  'relay',
  async (deps) => {
    const app = await createRelayApp(deps);
    await listen(app, 'relay', deps.config.relayPort, deps.config, deps.logger);
    return app;
  },
  { migrations: MIGRATIONS, servesHttp: false },
);
