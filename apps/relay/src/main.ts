import { Gauge } from 'prom-client';
import { PostgresEventStore } from '@app/event-store';
import { createKafka } from '@app/messaging';
import { TableMaintenance, requireKafkaBrokers, runService, startStatusServer } from '@app/platform';
import { IdempotencyRetention } from './idempotency-retention';
import { Relay } from './relay';

runService(
  'relay',
  async ({ config, logger, pool }) => {
    const kafka = createKafka(requireKafkaBrokers(config), 'relay', logger);
    const relay = new Relay(pool, kafka, logger, {
      topicPrefix: config.kafkaTopicPrefix,
      partitions: config.kafkaPartitions,
      leaseMs: config.relayLeaseMs,
    });
    const store = new PostgresEventStore(pool);
    new Gauge({
      name: 'relay_lag_events',
      help: 'Events stored but not yet published by this relay (while it leads)',
      async collect() {
        if (relay.status().leader) this.set(Math.max(0, (await store.headPosition()) - relay.publishedPosition));
      },
    });
    const status = await startStatusServer({
      config,
      logger,
      title: 'relay',
      port: config.relayPort,
      health: async () => {
        const head = await store.headPosition();
        const status = relay.status();
        return { ...status, head, lagEvents: status.leader ? Math.max(0, head - status.position) : null };
      },
    });
    // The write side's tables (the events, idempotency answers, checkpoints): see TableMaintenance.
    const maintenance = new TableMaintenance(pool, ['public'], logger, config.tableMaintenanceIntervalMs);
    const retention = new IdempotencyRetention(pool, config.idempotencyRetentionDays, logger);
    maintenance.start();
    retention.start();
    void relay.start();
    return {
      close: async () => {
        retention.stop();
        await maintenance.stop();
        await relay.stop();
        await status.close();
      },
    };
  },
  { servesHttp: false },
);
