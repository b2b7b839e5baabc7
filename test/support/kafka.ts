import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Consumer, type KafkaMessage } from 'kafkajs';
import { EnvelopeSigner, grantTopicAcls, type KafkaConnection } from '@app/messaging';
import { ConfigError, parseSigningKeys, type SigningKey } from '@app/platform';

export function testBrokers(): string[] {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: run the tests with `npm test`');
  return brokers.split(',');
}

/** The SCRAM users of the run's broker, name → password (KAFKA_TEST_USERS, set by `npm test`): admin, relay, projector, bi. */
export function testUsers(): Record<string, string> {
  const users = process.env.KAFKA_TEST_USERS;
  if (!users) throw new Error('KAFKA_TEST_USERS is not set: run the tests with `npm test`');
  return JSON.parse(users);
}

/** A connection to the run's broker as `user` (the super user `admin` by default). */
export function testConnection(user = 'admin', brokers: string[] = testBrokers()): KafkaConnection {
  const password = testUsers()[user];
  if (password === undefined) throw new Error(`the test broker has no user ${user}`);
  return { brokers, credentials: { username: user, password } };
}

/** The run's EVENT_SIGNING_KEYS (two keys, set by `npm test`). */
export function testSigningKeys(): SigningKey[] {
  const problems: string[] = [];
  const keys = parseSigningKeys(process.env.EVENT_SIGNING_KEYS, problems);
  if (problems.length > 0 || keys.length === 0) throw new ConfigError(`EVENT_SIGNING_KEYS: ${problems.join('; ') || 'not set'}`);
  return keys;
}

/** The relay's headers for `value` (signed with the run's first key). */
export const signedHeaders = (value: Buffer): Record<string, string> => new EnvelopeSigner(testSigningKeys()).sign(value);

/** What a relay or projector process needs to reach the run's broker as `user` and sign or verify. */
export function serviceEnv(user: 'relay' | 'projector'): Record<string, string> {
  const { credentials } = testConnection(user);
  return {
    KAFKA_BROKERS: testBrokers().join(','),
    KAFKA_USERNAME: credentials!.username,
    KAFKA_PASSWORD: credentials!.password,
    EVENT_SIGNING_KEYS: process.env.EVENT_SIGNING_KEYS ?? '',
  };
}

/** A topic prefix of its own for one test, under the run's prefix. */
export const uniquePrefix = (): string => `${process.env.KAFKA_TOPIC_PREFIX ?? ''}${randomBytes(3).toString('hex')}.`;

/** A prefix of its own whose topics are opened to the relay, the projector and `bi`, as `npm start` opens its own. */
export async function provisionedPrefix(brokers: string[] = testBrokers()): Promise<string> {
  const prefix = uniquePrefix();
  await grantTopicAcls(testKafka(brokers), prefix, { relay: 'relay', projector: 'projector', readers: [], biReaders: ['bi'] });
  return prefix;
}

/** A client of the run's broker as `user` (the super user `admin` by default). */
export const testKafka = (brokers: string[] = testBrokers(), user = 'admin'): Kafka => {
  const { credentials } = testConnection(user, brokers);
  return new Kafka({
    clientId: 'test',
    brokers,
    sasl: { mechanism: 'scram-sha-512', username: credentials!.username, password: credentials!.password },
    logLevel: logLevel.NOTHING,
    retry: { retries: 3, initialRetryTime: 100 },
  });
};

/** Reads a topic from the beginning and keeps every message, in arrival order per partition. */
export class TopicReader {
  readonly messages: KafkaMessage[] = [];
  private consumer: Consumer | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly groupId = `reader-${randomBytes(4).toString('hex')}`,
  ) {}

  /** Starts reading once the topic exists (its producer creates it). */
  async start(timeoutMs = 30_000): Promise<this> {
    const admin = this.kafka.admin();
    await admin.connect();
    const deadline = Date.now() + timeoutMs;
    while (!(await admin.listTopics()).includes(this.topic)) {
      if (Date.now() > deadline) throw new Error(`topic ${this.topic} was not created within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await admin.disconnect();
    this.consumer = this.kafka.consumer({ groupId: this.groupId, maxWaitTimeInMs: 100 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({ eachMessage: async ({ message }) => void this.messages.push(message) });
    return this;
  }

  /** Waits until `count` messages have arrived (or throws after `timeoutMs`). */
  async waitFor(count: number, timeoutMs = 60_000): Promise<KafkaMessage[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < count) {
      if (Date.now() > deadline) throw new Error(`${this.topic}: ${this.messages.length} of ${count} messages after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return this.messages;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

export const decode = (message: KafkaMessage): Record<string, unknown> => JSON.parse(message.value!.toString('utf8'));

/**
 * Each event once (by id), per stream in the order its messages arrived, and how many
 * arrived again (delivery is at least once). Every message must be keyed by its stream.
 */
export function eventsByStream(messages: readonly KafkaMessage[]): { streams: Map<string, number[]>; duplicates: number } {
  const seen = new Set<string>();
  const streams = new Map<string, number[]>();
  let duplicates = 0;
  for (const message of messages) {
    const { eventId, streamId, version } = decode(message) as { eventId: string; streamId: string; version: number };
    if (message.key?.toString() !== streamId) throw new Error(`message of ${streamId} keyed ${message.key?.toString()}`);
    if (seen.has(eventId)) {
      duplicates++;
      continue;
    }
    seen.add(eventId);
    streams.set(streamId, [...(streams.get(streamId) ?? []), version]);
  }
  return { streams, duplicates };
}
