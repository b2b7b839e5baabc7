import { createKafka } from '@app/messaging';
import { TableMaintenance, requireKafkaBrokers, runService } from '@app/platform';
import { Relay } from './relay';

runService(
  'relay',
  async ({ config, logger, pool }) => {
    const kafka = createKafka(requireKafkaBrokers(config), 'relay', logger);
    const relay = new Relay(pool, kafka, logger, {
      topicPrefix: config.kafkaTopicPrefix, partitions: config.kafkaPartitions,
      onLockLost: () => process.exit(1),
    });
    // The write side's tables (the events, idempotency answers, checkpoints): see TableMaintenance.
    const maintenance = new TableMaintenance(pool, ['public'], logger, config.tableMaintenanceIntervalMs);
    await relay.start();
    maintenance.start();
    logger.info({ position: relay.publishedPosition }, 'relay publishing');
    return {
      close: async () => {
        await maintenance.stop();
        await relay.stop();
      },
    };
  },
  { servesHttp: false },
);
