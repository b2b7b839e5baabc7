import { createIdempotentProducer, createKafka, topicNames } from '@app/messaging';
import { TableMaintenance, requireKafkaBrokers, runService } from '@app/platform';
import { KpiQueries, LIVE_SCHEMA } from '@app/read-models';
import { KpiSnapshots } from './kpi-snapshots';
import { Projector } from './projector';

runService(
  'projector',
  async ({ config, logger, pool, reference }) => {
    const kafka = createKafka(requireKafkaBrokers(config), 'projector', logger);
    const snapshotProducer = createIdempotentProducer(kafka);
    const snapshots = new KpiSnapshots(new KpiQueries(pool, reference), snapshotProducer, topicNames(config.kafkaTopicPrefix).kpiSnapshots, reference.plan.year, logger, config.kpiSnapshotIntervalMs);
    const projector = new Projector(pool, kafka, reference, logger, {
      topicPrefix: config.kafkaTopicPrefix,
      partitions: config.kafkaPartitions,
      onApplied: () => snapshots.markDirty(),
    });
    const maintenance = new TableMaintenance(pool, [LIVE_SCHEMA], logger, config.tableMaintenanceIntervalMs);
    await projector.start();
    await snapshotProducer.connect();
    snapshots.start();
    maintenance.start();
    logger.info('projector consuming');
    return {
      close: async () => {
        await maintenance.stop();
        await projector.stop();
        await snapshots.stop();
        await snapshotProducer.disconnect();
      },
    };
  },
  { servesHttp: false },
);
