import { DATABASE_SCHEMA } from '@app/migrations';
import { runApplication } from '@app/platform';
import { createProjectorApp } from './projector.module';

runApplication('projector', createProjectorApp, (config) => config.projectorPort, { schema: DATABASE_SCHEMA, checksApiKeys: false });
