import { DATABASE_SCHEMA } from '@app/migrations';
import { runApplication } from '@app/platform';
import { createRelayApp } from './relay.module';

runApplication('relay', createRelayApp, (config) => config.relayPort, { schema: DATABASE_SCHEMA, checksApiKeys: false });
