import { Kafka, logLevel, type Admin, type ITopicConfig, type Producer } from 'kafkajs';
import { requireKafkaBrokers, type Config, type KafkaCredentials, type Logger } from '@app/platform';
import { TOPIC_MAX_MESSAGE_BYTES } from './limits';
import { keyPartitioner } from './partitioner';
import { topicNames, type Topics } from './topics';

/** Where a service's broker is and whom it connects as (contract §6: the topics are closed). */
export interface KafkaConnection {
  readonly brokers: readonly string[];
  /** SASL/SCRAM-SHA-512; null: no authentication (a broker that asks for none). */
  readonly credentials: KafkaCredentials | null;
}

/** The connection of this process: KAFKA_BROKERS (required), KAFKA_USERNAME and KAFKA_PASSWORD. */
export function kafkaConnection(config: Config): KafkaConnection {
  return { brokers: requireKafkaBrokers(config), credentials: config.kafkaCredentials };
}

export function createKafka(connection: KafkaConnection, clientId: string, logger: Logger): Kafka {
  const { credentials } = connection;
  return new Kafka({
    clientId,
    brokers: [...connection.brokers],
    ...(credentials ? { sasl: { mechanism: 'scram-sha-512', username: credentials.username, password: credentials.password } } : {}),
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 200, retries: 5, maxRetryTime: 5_000 },
    logCreator:
      () =>
      ({ level, log }) => {
        const { message, ...rest } = log;
        // Our producers fail fast on purpose: the relay retries a whole batch with a fresh producer.
        if (message.startsWith('Limiting retries for the idempotent producer')) return;
        const entry = { kafka: rest };
        // kafkajs logs every error answer of the broker at ERROR ("Response CreateTopics…": a topic
        // another app created a moment before; "coordinator is loading" while the broker starts),
        // though its caller retries or handles it, and says so itself if it cannot.
        if (message.startsWith('Response ')) logger.debug(entry, message);
        else if (level <= logLevel.ERROR) logger.error(entry, message);
        else logger.warn(entry, message);
      },
  });
}

/**
 * An idempotent producer: the broker drops the duplicates of its own retries, and with one
 * request in flight a retry cannot overtake the one before it, so per-key order holds.
 * The partitioner is set explicitly (kafkajs v2 changed the default): murmur2 by key, as the JVM clients do.
 */
export function createIdempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: keyPartitioner,
  });
}

/**
 * Creates the topics of contract §5 that `which` names when missing; topics that exist are left
 * as they are. A service names only the topics its principal may create (and sees: a topic
 * it may not describe looks missing).
 */
export async function ensureTopics(
  kafka: Kafka,
  prefix: string,
  partitions: number,
  which: readonly (keyof Topics)[] = ['events', 'eventsDlq', 'kpiSnapshots'],
): Promise<void> {
  const topics = topicNames(prefix);
  const names = new Set(which.map((topic) => topics[topic]));
  // The size limit is set, not inherited from the broker: the relay's requests are sized against it.
  const maxMessageBytes = { name: 'max.message.bytes', value: String(TOPIC_MAX_MESSAGE_BYTES) };
  const wanted: ITopicConfig[] = [
    { topic: topics.events, numPartitions: partitions, configEntries: [maxMessageBytes] },
    { topic: topics.eventsDlq, numPartitions: 1, configEntries: [maxMessageBytes] },
    {
      topic: topics.kpiSnapshots,
      numPartitions: partitions,
      configEntries: [{ name: 'cleanup.policy', value: 'compact' }, maxMessageBytes],
    },
  ];
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => names.has(t.topic) && !existing.has(t.topic));
    if (missing.length > 0) {
      await admin.createTopics({ topics: missing, waitForLeaders: true }).catch((error: { errors?: { type?: string }[] }) => {
        // Another app created them meanwhile.
        if (!error.errors?.every((e) => e.type === 'TOPIC_ALREADY_EXISTS')) throw error;
      });
    }
  } finally {
    await admin.disconnect();
  }
}
