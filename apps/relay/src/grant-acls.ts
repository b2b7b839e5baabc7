import { createKafka, grantTopicAcls, kafkaConnection, principalList } from '@app/messaging';
import { createLogger, loadConfig } from '@app/platform';

/**
 * Opens the topics of KAFKA_TOPIC_PREFIX to the services (contract §6): run once with the
 * broker's super user as KAFKA_USERNAME / KAFKA_PASSWORD, before the relay and the projector
 * (docker-compose's kafka-acls service). The relay writes the events topic, the projector
 * reads it, KAFKA_READERS read it too, KAFKA_BI_READERS (default `bi`) read the KPI snapshots.
 * Waits up to two minutes for the broker to answer; ACLs that exist are kept.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('kafka-acls', config.logLevel);
  const principals = {
    relay: 'relay',
    projector: 'projector',
    readers: principalList(process.env.KAFKA_READERS, 'KAFKA_READERS'),
    biReaders: principalList(process.env.KAFKA_BI_READERS ?? 'bi', 'KAFKA_BI_READERS'),
  };
  const kafka = createKafka(kafkaConnection(config), 'kafka-acls', logger);
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      await grantTopicAcls(kafka, config.kafkaTopicPrefix, principals);
      logger.info({ prefix: config.kafkaTopicPrefix, ...principals }, 'topic ACLs granted');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      logger.warn({ err: error }, 'the broker does not answer yet; retrying');
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  }
}

main().catch((error) => {
  console.error(`kafka-acls: ${(error as Error).message}`);
  process.exit(1);
});
