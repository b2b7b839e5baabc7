import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Consumer, type KafkaMessage } from 'kafkajs';

export function testBrokers(): string[] {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: run the tests with `npm test`');
  return brokers.split(',');
}

/** A topic prefix of its own for one test, under the run's prefix. */
export const uniquePrefix = (): string => `${process.env.KAFKA_TOPIC_PREFIX ?? ''}${randomBytes(3).toString('hex')}.`;

export const testKafka = (brokers: string[] = testBrokers()): Kafka =>
  new Kafka({ clientId: 'test', brokers, logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 100 } });

/** Reads a topic from the beginning and keeps every message, in arrival order per partition. */
export class TopicReader {
  readonly messages: KafkaMessage[] = [];
  private consumer: Consumer | null = null;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
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
    this.consumer = this.kafka.consumer({ groupId: `reader-${randomBytes(4).toString('hex')}`, maxWaitTimeInMs: 100 });
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
