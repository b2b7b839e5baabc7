import { MIGRATIONS } from '@app/migrations';
import { listen, runService } from '@app/platform';
import { createProjectorApp } from './projector.module';

runService(
  'projector',
  async (deps) => {
    const app = await createProjectorApp(deps);
    await listen(app, 'projector', deps.config.projectorPort, deps.config, deps.logger);
    return app;
  },
  { migrations: MIGRATIONS, servesHttp: false },
);
