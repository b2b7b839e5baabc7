import { MIGRATIONS } from '@app/migrations';
import { runApplication } from '@app/platform';
import { createProjectorApp } from './projector.module';

runApplication('projector', createProjectorApp, (config) => config.projectorPort, { migrations: MIGRATIONS, checksApiKeys: false });
