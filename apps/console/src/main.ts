import { DATABASE_SCHEMA } from '@app/migrations';
import { runApplication } from '@app/platform';
import { createConsoleApp } from './console.module';

runApplication('console', createConsoleApp, (config) => config.consolePort, { schema: DATABASE_SCHEMA, checksApiKeys: false });
