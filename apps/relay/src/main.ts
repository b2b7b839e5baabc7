import { MIGRATIONS } from '@app/migrations';
import { runApplication } from '@app/platform';
import { createRelayApp } from './relay.module';

runApplication('relay', createRelayApp, (config) => config.relayPort, { migrations: MIGRATIONS, checksApiKeys: false });
