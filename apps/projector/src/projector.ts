import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Pool } from 'pg';
import { Counter } from 'prom-client';
import type { ReferenceCatalog } from '@app/domain';
import type { EventEnvelope } from '@app/event-store';
import { createIdempotentProducer, ensureTopics, topicNames, type Topics } from '@app/messaging';
import type { Logger } from '@app/platform';
import {
  LIVE_SCHEMA,
  PROJECTION_APPLIED_CHANNEL,
  PROJECTION_LOCK,
  applyEvents,
  checkEnvelope,
  refreshReferenceCodes,
  type FailedEvent,
} from '@app/read-models';

export interface ProjectorOptions {
  readonly topicPrefix: string;
  readonly partitions: number;
  /** Events applied per database transaction. */
  readonly chunkSize?: number;
  /** Called after every applied chunk (e.g. to refresh KPI snapshots). */
  readonly onApplied?: () => void;
}

const appliedTotal = new Counter({ name: 'projector_events_applied_total', help: 'Events applied to the read models' });
const duplicateTotal = new Counter({ name: 'projector_events_duplicate_total', help: 'Redelivered events ignored' });
const deadLetterTotal = new Counter({ name: 'projector_events_dead_lettered_total', help: 'Messages sent to the DLQ' });

/**
 * Kafka → read models. Each chunk of a batch is applied in one PostgreSQL transaction that
 * also records, per stream, the last version applied; the Kafka offset is committed after.
 * A crash in between redelivers the chunk, and the stream versions make it a no-op. A
 * message that cannot be applied goes to the DLQ with the reason in its headers, and the
 * partition moves on.
 */
export class Projector {
  private readonly topics: Topics;
  private consumer: Consumer | null = null;
  private producer: Producer | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly kafka: Kafka,
    private readonly reference: ReferenceCatalog,
    private readonly logger: Logger,
    private readonly options: ProjectorOptions,
  ) {
    this.topics = topicNames(options.topicPrefix);
  }

  async start(): Promise<void> {
    // The BI lookup views (bi.units, bi.chains…) name the codes of the reference data this projector applies events with.
    await refreshReferenceCodes(this.pool, this.reference);
    await ensureTopics(this.kafka, this.options.topicPrefix, this.options.partitions);
    this.producer = createIdempotentProducer(this.kafka);
    await this.producer.connect();
    // A broker that has just started may not know the group's topics for a moment (kafkajs
    // answers UNKNOWN_TOPIC_OR_PARTITION, retriable): join again shortly instead of failing.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.joinGroup();
        return;
      } catch (error) {
        if (!(error as { retriable?: boolean }).retriable || attempt >= 5) throw error;
        await this.consumer?.disconnect().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  }

  private async joinGroup(): Promise<void> {
    // A restarted projector must not wait long for its predecessor's session to expire (kafkajs:
    // 30 s): 6 s is the broker's smallest session by default; heartbeats go every second and
    // after every chunk. A clean stop leaves the group at once.
    this.consumer = this.kafka.consumer({
      groupId: `${this.options.topicPrefix}projector`,
      maxWaitTimeInMs: 50,
      maxBytesPerPartition: 4 * 1024 * 1024,
      sessionTimeout: 6_000,
      heartbeatInterval: 1_000,
      rebalanceTimeout: 10_000,
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topics.events, fromBeginning: true });
    // Partitions hold disjoint streams, so all of a fetch's batches are applied at once, each on
    // its own connection: a batch's wait is then one apply, not one per partition before it.
    await this.consumer.run({
      eachBatchAutoResolve: false,
      autoCommit: false,
      partitionsConsumedConcurrently: this.options.partitions,
      eachBatch: (payload) => this.handleBatch(payload),
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
    await this.producer?.disconnect().catch(() => undefined);
  }

  private async handleBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const chunkSize = this.options.chunkSize ?? 2000;
    for (let i = 0; i < batch.messages.length && isRunning() && !isStale(); i += chunkSize) {
      const messages = batch.messages.slice(i, i + chunkSize);
      await this.applyChunk(batch.topic, batch.partition, messages);
      const last = messages[messages.length - 1].offset;
      resolveOffset(last);
      await this.consumer!.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(Number(last) + 1) }]);
      await heartbeat();
    }
  }

  /** Public for tests that simulate a crash between applying and committing. */
  async applyChunk(topic: string, partition: number, messages: readonly KafkaMessage[]): Promise<void> {
    const envelopes: EventEnvelope[] = [];
    const poison: { message: KafkaMessage; reason: string }[] = [];
    const byEnvelope = new Map<unknown, KafkaMessage>();
    for (const message of messages) {
      let decoded: unknown;
      try {
        decoded = JSON.parse(message.value?.toString('utf8') ?? '');
      } catch (error) {
        poison.push({ message, reason: `not JSON: ${(error as Error).message}` });
        continue;
      }
      const checked = checkEnvelope(decoded);
      if (typeof checked === 'string') poison.push({ message, reason: checked });
      else {
        envelopes.push(checked);
        byEnvelope.set(checked, message);
      }
    }
    const client = await this.pool.connect();
    let failed: readonly FailedEvent[] = [];
    try {
      // The lock is shared with every other applier; a rebuild takes it exclusively for its swap.
      // Statements without parameters go together, one round trip each pair.
      await client.query(`BEGIN; SELECT pg_advisory_xact_lock_shared(${PROJECTION_LOCK})`);
      const result = await applyEvents(client, LIVE_SCHEMA, envelopes, this.reference);
      failed = result.failed;
      await client.query(`SELECT pg_notify('${PROJECTION_APPLIED_CHANNEL}', '${result.lastPosition}'); COMMIT`);
      appliedTotal.inc(result.applied);
      duplicateTotal.inc(result.duplicates);
      this.logger.debug({ partition, applied: result.applied, duplicates: result.duplicates, position: result.lastPosition }, 'applied');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    for (const f of failed) poison.push({ message: byEnvelope.get(f.envelope)!, reason: f.reason });
    if (poison.length > 0) await this.deadLetter(topic, partition, poison);
    this.options.onApplied?.();
  }

  private async deadLetter(topic: string, partition: number, poison: readonly { message: KafkaMessage; reason: string }[]): Promise<void> {
    await this.producer!.send({
      topic: this.topics.eventsDlq,
      acks: -1,
      messages: poison.map(({ message, reason }) => ({
        key: message.key,
        value: message.value,
        headers: {
          ...message.headers,
          error: reason,
          'source-topic': topic,
          'source-partition': String(partition),
          'source-offset': message.offset,
        },
      })),
    });
    deadLetterTotal.inc(poison.length);
    for (const { message, reason } of poison) this.logger.warn({ partition, offset: message.offset, reason }, 'message sent to the DLQ');
  }
}
