import { Inject, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Gauge } from 'prom-client';
import { PostgresEventStore } from '@app/event-store';
import { createKafka, kafkaConnection } from '@app/messaging';
import { DatabaseModule, TableMaintenance, createHttpApp, requireSigningKeys, type ServiceDeps } from '@app/platform';
import { IdempotencyRetention } from './idempotency-retention';
import { Relay } from './relay';

/** Starts the relay's work once the application is up, and stops it (lease released) when it closes. */
class RelayLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(Relay) private readonly relay: Relay,
    @Inject(TableMaintenance) private readonly maintenance: TableMaintenance,
    @Inject(IdempotencyRetention) private readonly retention: IdempotencyRetention,
  ) {}

  onApplicationBootstrap(): void {
    this.maintenance.start();
    this.retention.start();
    // Resolves only once this instance leads; a standby serves /health meanwhile.
    void this.relay.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.retention.stop();
    await this.maintenance.stop();
    await this.relay.stop();
  }
}

/** The relay as a Nest application: the relay, its upkeep of the write side's tables, and its lifecycle. */
@Module({})
export class RelayModule {
  static with({ config, logger, pool, dataSource }: ServiceDeps, relay: Relay): DynamicModule {
    return {
      module: RelayModule,
      imports: [DatabaseModule.of(dataSource)],
      providers: [
        { provide: Relay, useValue: relay },
        // The write side's tables (the events, idempotency answers, checkpoints): see TableMaintenance.
        { provide: TableMaintenance, useValue: new TableMaintenance(pool, ['public'], logger, config.tableMaintenanceIntervalMs) },
        { provide: IdempotencyRetention, useValue: new IdempotencyRetention(pool, config.idempotencyRetentionDays, logger) },
        RelayLifecycle,
      ],
    };
  }
}

/** The relay's application, not yet listening: /health and /metrics on RELAY_PORT, the relay started with it. */
export async function createRelayApp(deps: ServiceDeps): Promise<NestFastifyApplication> {
  const { config, logger, pool } = deps;
  const relay = new Relay(pool, createKafka(kafkaConnection(config), 'relay', logger), logger, {
    topicPrefix: config.kafkaTopicPrefix,
    partitions: config.kafkaPartitions,
    signingKeys: requireSigningKeys(config),
    leaseMs: config.relayLeaseMs,
  });
  const store = new PostgresEventStore(deps.pool);
  new Gauge({
    name: 'relay_lag_events',
    help: 'Events stored but not yet published by this relay (while it leads)',
    async collect() {
      if (relay.status().leader) this.set(Math.max(0, (await store.headPosition()) - relay.publishedPosition));
    },
  });
  return createHttpApp(RelayModule.with(deps, relay), {
    config: deps.config,
    logger: deps.logger,
    title: 'relay',
    description: 'publishes the event store to Kafka',
    docs: false,
    health: async () => {
      const head = await store.headPosition();
      const status = relay.status();
      return { ...status, head, lagEvents: status.leader ? Math.max(0, head - status.position) : null };
    },
  });
}
