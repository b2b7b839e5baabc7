import { createKafka } from '@app/messaging';
import { requireKafkaBrokers, runService } from '@app/platform';
import { Relay } from './relay';

runService(
  'relay',
  async ({ config, logger, pool }) => {
    const kafka = createKafka(requireKafkaBrokers(config), 'relay', logger);
    const relay = new Relay(pool, kafka, logger, {
      topicPrefix: config.kafkaTopicPrefix, partitions: config.kafkaPartitions,
      onLockLost: () => process.exit(1),
    });
    await relay.start();
    logger.info({ position: relay.publishedPosition }, 'relay publishing');
    return { close: () => relay.stop() };
  },
  { servesHttp: false },
);
