import { Gauge } from 'prom-client';
import { createIdempotentProducer, createKafka, topicNames } from '@app/messaging';
import { TableMaintenance, requireKafkaBrokers, runService, startStatusServer } from '@app/platform';
import { KpiQueries, LIVE_SCHEMA, ProjectionWatermark } from '@app/read-models';
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
    const watermark = new ProjectionWatermark(pool);
    const deadLetters = async () => Number((await pool.query(`SELECT count(*) AS n FROM ${LIVE_SCHEMA}.dead_letters`)).rows[0].n);
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
    const status = await startStatusServer({
      config,
      logger,
      title: 'projector',
      port: config.projectorPort,
      health: async () => {
        const { position, lagEvents, lagMs } = await watermark.status();
        return { position, lagEvents, lagMs, deadLetters: await deadLetters() };
      },
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
        await status.close();
      },
    };
  },
  { servesHttp: false },
);
