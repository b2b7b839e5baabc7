import { Inject, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Producer } from 'kafkajs';
import { Gauge } from 'prom-client';
import { createIdempotentProducer, createKafka, kafkaConnection, topicNames } from '@app/messaging';
import { DatabaseModule, TableMaintenance, createHttpApp, requireSigningKeys, type Logger, type ServiceDeps } from '@app/platform';
import { KpiQueries, LIVE_SCHEMA, ProjectionWatermark, quoteIdent } from '@app/read-models';
import { KpiSnapshots } from './kpi-snapshots';
import { Projector } from './projector';

const SNAPSHOT_PRODUCER = Symbol('SNAPSHOT_PRODUCER');
const LOGGER = Symbol('LOGGER');

/** Starts consuming once the application is up; leaves the consumer group cleanly when it closes. */
class ProjectorLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(Projector) private readonly projector: Projector,
    @Inject(KpiSnapshots) private readonly snapshots: KpiSnapshots,
    @Inject(SNAPSHOT_PRODUCER) private readonly snapshotProducer: Producer,
    @Inject(TableMaintenance) private readonly maintenance: TableMaintenance,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.projector.start();
    await this.snapshotProducer.connect();
    this.snapshots.start();
    this.maintenance.start();
    this.logger.info('projector consuming');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.maintenance.stop();
    await this.projector.stop();
    await this.snapshots.stop();
    await this.snapshotProducer.disconnect();
  }
}

/**
 * The projector as a Nest application. Its Kafka consumer is kafkajs behind a provider, not
 * a `@nestjs/microservices` transport: a chunk is applied in one database transaction and
 * only then is its offset committed, a whole fetch's partitions are applied at once, and
 * poison messages go to the DLQ — the transport handles one message at a time and commits
 * offsets on its own terms.
 */
@Module({})
export class ProjectorModule {
  static with({ config, logger, pool, reference, dataSource }: ServiceDeps): DynamicModule {
    const kafka = createKafka(kafkaConnection(config), 'projector', logger);
    const snapshotProducer = createIdempotentProducer(kafka);
    const snapshots = new KpiSnapshots(
      new KpiQueries(pool, reference),
      snapshotProducer,
      topicNames(config.kafkaTopicPrefix).kpiSnapshots,
      reference.plan.year,
      logger,
      config.kpiSnapshotIntervalMs,
    );
    const projector = new Projector(pool, kafka, reference, logger, {
      topicPrefix: config.kafkaTopicPrefix,
      partitions: config.kafkaPartitions,
      signingKeys: requireSigningKeys(config),
      onApplied: () => snapshots.markDirty(),
    });
    return {
      module: ProjectorModule,
      imports: [DatabaseModule.of(dataSource)],
      providers: [
        { provide: Projector, useValue: projector },
        { provide: KpiSnapshots, useValue: snapshots },
        { provide: SNAPSHOT_PRODUCER, useValue: snapshotProducer },
        { provide: TableMaintenance, useValue: new TableMaintenance(pool, [LIVE_SCHEMA], logger, config.tableMaintenanceIntervalMs) },
        { provide: LOGGER, useValue: logger },
        ProjectorLifecycle,
      ],
    };
  }
}

/** The projector's application, not yet listening: /health and /metrics on PROJECTOR_PORT, consuming once it is up. */
export function createProjectorApp(deps: ServiceDeps): Promise<NestFastifyApplication> {
  const watermark = new ProjectionWatermark(deps.pool);
  const deadLetters = async () =>
    Number((await deps.pool.query(`SELECT count(*) AS n FROM ${quoteIdent(LIVE_SCHEMA)}.dead_letters`)).rows[0].n);
  new Gauge({
    name: 'projector_lag_events',
    help: 'Events stored but not yet applied to the read models',
    async collect() {
      this.set((await watermark.status()).lagEvents);
    },
  });
  new Gauge({
    name: 'projector_dead_letters',
    help: 'Events sent to the DLQ (kept in the read models schema)',
    async collect() {
      this.set(await deadLetters());
    },
  });
  return createHttpApp(ProjectorModule.with(deps), {
    config: deps.config,
    logger: deps.logger,
    title: 'projector',
    description: 'applies the events to the read models',
    docs: false,
    health: async () => {
      const { position, lagEvents, lagMs } = await watermark.status();
      return { position, lagEvents, lagMs, deadLetters: await deadLetters() };
    },
  });
}
