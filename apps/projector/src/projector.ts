import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Pool } from 'pg';
import { Counter } from 'prom-client';
import type { ReferenceCatalog } from '@app/domain';
import { PostgresEventStore, type EventEnvelope } from '@app/event-store';
import { EnvelopeSigner, createIdempotentProducer, ensureTopics, topicNames, type Topics } from '@app/messaging';
import type { Logger, SigningKey } from '@app/platform';
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
  /** EVENT_SIGNING_KEYS: a message signed by none of them is not applied. */
  readonly signingKeys: readonly SigningKey[];
  /** Events applied per database transaction. */
  readonly chunkSize?: number;
  /** Called after every applied chunk (e.g. to refresh KPI snapshots). */
  readonly onApplied?: () => void;
}

const appliedTotal = new Counter({ name: 'projector_events_applied_total', help: 'Events applied to the read models' });
const duplicateTotal = new Counter({ name: 'projector_events_duplicate_total', help: 'Redelivered events ignored' });
const deadLetterTotal = new Counter({ name: 'projector_events_dead_lettered_total', help: 'Messages sent to the DLQ' });
const unsignedTotal = new Counter({
  name: 'projector_signature_failures_total',
  help: 'Messages not signed by a known key (sent to the DLQ, never applied)',
});

/** A message set aside, why, and, for an unsigned one, the store's event applied in its place. */
interface Poison {
  readonly message: KafkaMessage;
  readonly reason: string;
  appliedFromStore?: number;
}

/**
 * Kafka → read models. Each chunk of a batch is applied in one PostgreSQL transaction that
 * also records, per stream, the last version applied; the Kafka offset is committed after.
 * A crash in between redelivers the chunk, and the stream versions make it a no-op. A
 * message that cannot be applied goes to the DLQ with the reason in its headers, and the
 * partition moves on.
 *
 * Every message's signature is checked before anything else (contract §6): one that is not
 * signed by a key of EVENT_SIGNING_KEYS is never applied. If the store holds an event at the
 * position it claims, the store's event (with the events of its stream before it) is applied
 * instead, so a forgery changes nothing and cannot make the genuine event look applied already.
 */
export class Projector {
  private readonly topics: Topics;
  private readonly signer: EnvelopeSigner;
  private readonly store: PostgresEventStore;
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
    this.signer = new EnvelopeSigner(options.signingKeys);
    this.store = new PostgresEventStore(pool);
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
    const poison: Poison[] = [];
    const unsigned: Poison[] = [];
    const byEnvelope = new Map<unknown, KafkaMessage>();
    for (const message of messages) {
      const signatureFailure = this.signer.verify(message.value, message.headers);
      if (signatureFailure !== null) {
        unsigned.push({ message, reason: signatureFailure });
        continue;
      }
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
    if (unsigned.length > 0) {
      unsignedTotal.inc(unsigned.length);
      await this.applyFromStore(unsigned);
      poison.push(...unsigned);
    }
    if (poison.length > 0) await this.deadLetter(topic, partition, poison);
    this.options.onApplied?.();
  }

  /**
   * For each unsigned message that claims the position of a stored event: applies that event
   * and the events of its stream before it (those applied already are skipped as ever), so
   * that the stream's next events still apply in order. Under the projection lock held
   * exclusively: no other chunk applies the same stream meanwhile. Forgeries are rare; this
   * path need not be fast.
   */
  private async applyFromStore(unsigned: Poison[]): Promise<void> {
    const byKey = new Map<string, EventEnvelope>();
    for (const entry of unsigned) {
      for (const position of claimedPositions(entry.message)) {
        const [event] = await this.store.readAll(position - 1, 1);
        if (event?.position !== position) continue;
        for (const earlier of await this.store.readStream(event.streamId)) {
          if (earlier.version <= event.version) byKey.set(`${earlier.streamId}:${earlier.version}`, earlier);
        }
        entry.appliedFromStore = position;
      }
    }
    if (byKey.size === 0) return;
    const envelopes = [...byKey.values()].sort((a, b) => a.position - b.position);
    const client = await this.pool.connect();
    try {
      await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${PROJECTION_LOCK})`);
      const result = await applyEvents(client, LIVE_SCHEMA, envelopes, this.reference);
      await client.query(`SELECT pg_notify('${PROJECTION_APPLIED_CHANNEL}', '${result.lastPosition}'); COMMIT`);
      appliedTotal.inc(result.applied);
      this.logger.warn(
        { positions: unsigned.map((u) => u.appliedFromStore).filter(Boolean) },
        "unsigned messages: the store's events applied instead",
      );
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async deadLetter(topic: string, partition: number, poison: readonly Poison[]): Promise<void> {
    await this.producer!.send({
      topic: this.topics.eventsDlq,
      acks: -1,
      messages: poison.map(({ message, reason, appliedFromStore }) => ({
        key: message.key,
        value: message.value,
        headers: {
          ...message.headers,
          error: reason,
          ...(appliedFromStore === undefined ? {} : { 'applied-from-store': String(appliedFromStore) }),
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

/** The positions an unsigned message claims, in its `position` header or its body; nothing it says is trusted beyond that. */
function claimedPositions(message: KafkaMessage): number[] {
  const claims: unknown[] = [];
  const header = message.headers?.position;
  if (header !== undefined && !Array.isArray(header)) claims.push(header.toString());
  try {
    claims.push((JSON.parse(message.value?.toString('utf8') ?? '') as { position?: unknown })?.position);
  } catch {
    // not JSON: only the header claims a position
  }
  const positions = claims.map((claim) => (typeof claim === 'string' && /^\d{1,15}$/.test(claim) ? Number(claim) : claim));
  return [...new Set(positions.filter((p): p is number => Number.isSafeInteger(p) && (p as number) > 0))];
}
