import { Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { asyncApiDocument } from '@app/messaging';
import { DatabaseModule, coreProviders, createHttpApp, type ServiceDeps } from '@app/platform';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { WRITE_CONTROLLERS, writeProviders } from '@app/write-api';
import { codeListsOf } from '@app/domain';

@Module({})
export class IngestModule {
  static with(deps: ServiceDeps): DynamicModule {
    return {
      module: IngestModule,
      imports: [DatabaseModule.of(deps.dataSource), CqrsModule.forRoot()],
      controllers: [...WRITE_CONTROLLERS, ApiKeysController],
      providers: [...coreProviders(deps), ...writeProviders(deps)],
    };
  }
}

/** The write side's HTTP application, not yet listening. */
export function createIngestApi(deps: ServiceDeps): Promise<NestFastifyApplication> {
  return createHttpApp(IngestModule.with(deps), {
    config: deps.config,
    logger: deps.logger,
    codeLists: codeListsOf(deps.reference),
    title: 'Investment pipeline — ingest (write side)',
    description: "Commands that record each investment project's life as events (contract §2, §4).",
    port: deps.config.ingestPort,
    documents: { 'asyncapi.json': asyncApiDocument(deps.config.kafkaTopicPrefix, deps.config.kafkaBrokers) },
    health: async () => {
      await deps.pool.query('SELECT 1');
      return { database: 'ok' };
    },
  });
}
