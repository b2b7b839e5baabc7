import { Module, type DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Gauge } from 'prom-client';
import { asyncApiDocument } from '@app/messaging';
import { DatabaseModule, coreProviders, createHttpApp, type ServiceDeps } from '@app/platform';
import { Freshness, READ_CONTROLLERS, readProviders } from '@app/read-api';
import { codeListsOf } from '@app/domain';

@Module({})
export class QueryModule {
  static with(deps: ServiceDeps, freshness: Freshness): DynamicModule {
    return {
      module: QueryModule,
      imports: [DatabaseModule.of(deps.dataSource)],
      controllers: READ_CONTROLLERS,
      providers: [...coreProviders(deps), ...readProviders(deps, freshness)],
    };
  }
}

/** The newest query app's view of the projections, for the lag gauge on /metrics. */
let measured: Freshness | null = null;
new Gauge({
  name: 'projection_lag_events',
  help: 'Events stored but not yet applied to the read models',
  labelNames: ['projection'],
  async collect() {
    const status = await measured?.watermark.status().catch(() => null);
    if (status) this.set({ projection: status.name }, status.lagEvents);
  },
});

/** The read side's HTTP application, not yet listening. */
export async function createQueryApi(deps: ServiceDeps): Promise<NestFastifyApplication> {
  const freshness = new Freshness(deps.pool, deps.config.minPositionWaitMs);
  freshness.start();
  measured = freshness;
  return createHttpApp(QueryModule.with(deps, freshness), {
    config: deps.config,
    logger: deps.logger,
    codeLists: codeListsOf(deps.reference),
    title: 'Investment pipeline — query (read side)',
    description: 'KPIs against the plan, funnel, breakdowns and projects, from the projections (contract §3, §4).',
    port: deps.config.queryPort,
    documents: { 'asyncapi.json': asyncApiDocument(deps.config.kafkaTopicPrefix, deps.config.kafkaBrokers) },
    health: async () => {
      const status = await freshness.watermark.status();
      return { database: 'ok', position: status.position, lagEvents: status.lagEvents };
    },
  });
}
