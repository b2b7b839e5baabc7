import type { Kafka, Producer } from 'kafkajs';
import type { Pool, PoolClient } from 'pg';
import { Counter, Gauge } from 'prom-client';
import { Checkpoints, EVENTS_CHANNEL, PostgresEventStore, type SerializedEvent } from '@app/event-store';
import { createIdempotentProducer, ensureTopics, topicNames } from '@app/messaging';
import type { Logger } from '@app/platform';

/** Only one relay publishes at a time: it holds this session-level advisory lock while it runs. */
const RELAY_LOCK = 7_301_003;

export interface RelayOptions {
  readonly topicPrefix: string;
  readonly partitions: number;
  /** Events read and published per round. */
  readonly batchSize?: number;
  /** Checkpoint name in the store. */
  readonly name?: string;
  /** Called when the session holding the lock is lost: the process should exit and be restarted. */
  readonly onLockLost?: () => void;
}

const published = new Counter({ name: 'relay_events_published_total', help: 'Events the relay published to Kafka' });
const relayPosition = new Gauge({ name: 'relay_position', help: 'Position of the last event the relay published' });

/**
 * Publishes the event store to Kafka in commit order: read after the checkpoint, send
 * (idempotent producer, acks from all replicas, key = stream id), then store the checkpoint.
 * A failed send is retried with back-off from the same checkpoint, so nothing is lost or
 * reordered while Kafka is away; an event may be sent again after a crash between send and
 * checkpoint (consumers de-duplicate by position).
 */
export class Relay {
  private readonly store: PostgresEventStore;
  private readonly checkpoints: Checkpoints;
  private readonly topic: string;
  private readonly name: string;
  private readonly batchSize: number;
  private producer: Producer | null = null;
  private session: PoolClient | null = null;
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private position = 0;

  constructor(
    private readonly pool: Pool,
    private readonly kafka: Kafka,
    private readonly logger: Logger,
    private readonly options: RelayOptions,
  ) {
    this.store = new PostgresEventStore(pool);
    this.checkpoints = new Checkpoints(pool);
    this.topic = topicNames(options.topicPrefix).events;
    this.name = options.name ?? 'relay';
    this.batchSize = options.batchSize ?? 2000;
  }

  /** Resolves once this instance holds the lock and has started publishing. */
  async start(): Promise<void> {
    this.running = true;
    this.session = await this.pool.connect();
    this.session.on('notification', () => this.wake?.());
    this.session.on('error', (error) => this.fail(error));
    while (this.running) {
      const { rows } = await this.session.query('SELECT pg_try_advisory_lock($1) AS locked', [RELAY_LOCK]);
      if (rows[0].locked) break;
      this.logger.info('another relay holds the lock; waiting');
      await this.sleep(2000);
    }
    await this.session.query(`LISTEN ${EVENTS_CHANNEL}`);
    this.position = await this.checkpoints.load(this.name);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.producer?.disconnect().catch(() => undefined);
    if (this.session) {
      await this.session.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
      this.session.release();
      this.session = null;
    }
  }

  /** Position of the last event published and checkpointed. */
  get publishedPosition(): number {
    return this.position;
  }

  private async run(): Promise<void> {
    let backoffMs = 200;
    while (this.running) {
      try {
        const producer = await this.connectedProducer();
        const events = await this.store.readAllAsJson(this.position, this.batchSize);
        if (events.length === 0) {
          await this.sleep(1000);
          continue;
        }
        await this.publish(producer, events);
        this.position = events[events.length - 1].position;
        await this.checkpoints.store(this.name, this.position);
        published.inc(events.length);
        relayPosition.set(this.position);
        this.logger.debug({ position: this.position, events: events.length }, 'published');
        backoffMs = 200;
      } catch (error) {
        this.logger.warn({ err: error, position: this.position, retryInMs: backoffMs }, 'publishing failed; retrying');
        await this.producer?.disconnect().catch(() => undefined);
        this.producer = null;
        await this.sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 5000);
      }
    }
  }

  private async publish(producer: Producer, events: readonly SerializedEvent[]): Promise<void> {
    await producer.send({
      topic: this.topic,
      acks: -1,
      messages: events.map((event) => ({
        key: event.streamId,
        value: event.json,
        headers: { type: event.type, position: String(event.position) },
      })),
    });
  }

  /** A fresh producer after every failure: an idempotent producer's sequence is not to be trusted after one. */
  private async connectedProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    await ensureTopics(this.kafka, this.options.topicPrefix, this.options.partitions);
    const producer = createIdempotentProducer(this.kafka);
    await producer.connect();
    this.producer = producer;
    return producer;
  }

  private fail(error: Error): void {
    this.logger.fatal({ err: error }, 'lost the database session that holds the relay lock');
    this.running = false;
    this.wake?.();
    this.options.onLockLost?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
