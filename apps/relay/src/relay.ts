import type { Kafka, Producer } from 'kafkajs';
import type { Pool } from 'pg';
import { Counter, Gauge } from 'prom-client';
import { Checkpoints, EVENTS_CHANNEL, Lease, LeaseLost, PostgresEventStore, type SerializedEvent } from '@app/event-store';
import {
  EnvelopeSigner,
  MAX_PUBLISH_BYTES,
  RECORD_OVERHEAD_BYTES,
  createIdempotentProducer,
  ensureTopics,
  topicNames,
} from '@app/messaging';
import { Listener, type Logger, type SigningKey } from '@app/platform';

export interface RelayOptions {
  readonly topicPrefix: string;
  readonly partitions: number;
  /** EVENT_SIGNING_KEYS: the first signs every envelope published. */
  readonly signingKeys: readonly SigningKey[];
  /** Events read per round (each round is sent in requests of at most MAX_PUBLISH_BYTES). */
  readonly batchSize?: number;
  /** Checkpoint and lease name in the store. */
  readonly name?: string;
  /** A leader that has not renewed its lease for this long is replaced by a standby. */
  readonly leaseMs?: number;
}

/** What the relay is doing, for GET /health. */
export interface RelayStatus {
  readonly leader: boolean;
  /** Position of the last event published and checkpointed. */
  readonly position: number;
  readonly lastPublishAt: string | null;
  /** What it waits for, when it cannot publish: another relay's lease, the database or Kafka. */
  readonly waitingOn: 'lease' | 'database' | 'kafka' | null;
}

const published = new Counter({ name: 'relay_events_published_total', help: 'Events the relay published to Kafka' });
const relayPosition = new Gauge({ name: 'relay_position', help: 'Position of the last event the relay published' });
const lastPublish = new Gauge({ name: 'relay_last_publish_timestamp_seconds', help: 'When the relay last published (Unix time)' });
const leaderGauge = new Gauge({ name: 'relay_leader', help: '1 while this relay holds the lease and publishes' });

/** How often a standby asks whether the lease is free. */
const STANDBY_POLL_MS = 1_000;

/**
 * Publishes the event store to Kafka in commit order: read after the checkpoint, send
 * (idempotent producer, acks from all replicas, key = stream id) in requests bounded by
 * bytes, then store the checkpoint. One relay publishes at a time: it holds a lease that it
 * renews as it makes progress, so a stopped, crashed or frozen one is replaced within the
 * lease time; its checkpoint writes are fenced by the lease. Every failure (Kafka, the
 * database) is retried with back-off from the last checkpoint, so nothing is lost or
 * reordered; an event may be sent again after a failure between send and checkpoint, or by
 * a frozen leader that wakes (consumers de-duplicate by position / stream version).
 * Every envelope is signed (headers `kid`, `sig`), so a consumer can tell it from a message
 * that someone else managed to write.
 */
export class Relay {
  private readonly store: PostgresEventStore;
  private readonly checkpoints: Checkpoints;
  private readonly lease: Lease;
  private readonly topic: string;
  private readonly name: string;
  private readonly batchSize: number;
  private readonly signer: EnvelopeSigner;
  private producer: Producer | null = null;
  /** Wakes the relay on every commit; without it the relay still polls every second. */
  private readonly listener: Listener;
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private leading = false;
  private onLeading: (() => void) | null = null;
  private position = 0;
  private lastPublishAt: Date | null = null;
  private waitingOn: RelayStatus['waitingOn'] = null;

  constructor(
    pool: Pool,
    private readonly kafka: Kafka,
    private readonly logger: Logger,
    private readonly options: RelayOptions,
  ) {
    this.store = new PostgresEventStore(pool);
    this.checkpoints = new Checkpoints(pool);
    this.topic = topicNames(options.topicPrefix).events;
    this.name = options.name ?? 'relay';
    this.batchSize = options.batchSize ?? 2000;
    this.signer = new EnvelopeSigner(options.signingKeys);
    this.lease = new Lease(pool, this.name, options.leaseMs ?? 5_000);
    this.listener = new Listener(pool, EVENTS_CHANNEL, () => this.wake?.());
  }

  /** Starts the relay; resolves once this instance leads and publishes (or is stopped while standing by). */
  start(): Promise<void> {
    this.running = true;
    this.listener.start();
    const leading = new Promise<void>((resolve) => (this.onLeading = resolve));
    this.loop = this.run();
    return leading;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    this.onLeading?.();
    await this.loop;
    await this.dropProducer();
    await this.lease.release().catch(() => undefined);
    this.setLeading(false);
    this.listener.stop();
  }

  /** Position of the last event published and checkpointed. */
  get publishedPosition(): number {
    return this.position;
  }

  status(): RelayStatus {
    return {
      leader: this.leading,
      position: this.position,
      lastPublishAt: this.lastPublishAt?.toISOString() ?? null,
      waitingOn: this.waitingOn,
    };
  }

  private async run(): Promise<void> {
    let backoffMs = 200;
    while (this.running) {
      try {
        if (!this.leading && !(await this.becomeLeader())) {
          await this.sleep(STANDBY_POLL_MS);
          continue;
        }
        await this.lease.keep();
        this.waitingOn = 'kafka';
        await this.connectedProducer(); // creates the topics, so consumers can subscribe before the first event
        this.waitingOn = 'database';
        const events = await this.store.readAllAsJson(this.position, this.batchSize);
        if (events.length === 0) {
          this.waitingOn = null;
          await this.sleep(1000);
          continue;
        }
        for (const request of byRequestSize(events)) await this.publish(request);
        this.waitingOn = null;
        backoffMs = 200;
      } catch (error) {
        if (error instanceof LeaseLost) {
          this.logger.warn({ position: this.position }, 'another relay took over the lease; standing by');
          await this.standBy();
          continue;
        }
        this.logger.warn(
          { err: error, position: this.position, waitingOn: this.waitingOn, retryInMs: backoffMs },
          'publishing failed; retrying',
        );
        await this.dropProducer();
        await this.sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 5000);
      }
    }
  }

  private async becomeLeader(): Promise<boolean> {
    this.waitingOn = 'lease';
    if (!(await this.lease.acquire())) return false;
    this.position = await this.checkpoints.load(this.name);
    this.setLeading(true);
    this.waitingOn = null;
    this.logger.info({ position: this.position, holder: this.lease.holder }, 'relay holds the lease; publishing');
    this.onLeading?.();
    return true;
  }

  private async standBy(): Promise<void> {
    this.setLeading(false);
    this.lease.forget();
    await this.dropProducer();
  }

  /** Sends one request's events, then stores the checkpoint, fenced by the lease. */
  private async publish(events: readonly SerializedEvent[]): Promise<void> {
    await this.lease.keep();
    this.waitingOn = 'kafka';
    const producer = await this.connectedProducer();
    await producer.send({
      topic: this.topic,
      acks: -1,
      messages: events.map((event) => {
        const value = Buffer.from(event.json, 'utf8');
        return { key: event.streamId, value, headers: { type: event.type, position: String(event.position), ...this.signer.sign(value) } };
      }),
    });
    this.waitingOn = 'database';
    const last = events[events.length - 1].position;
    await this.checkpoints.store(this.name, last, this.lease);
    this.position = last;
    this.lastPublishAt = new Date();
    published.inc(events.length);
    relayPosition.set(last);
    lastPublish.set(this.lastPublishAt.getTime() / 1000);
    this.logger.debug({ position: last, events: events.length }, 'published');
  }

  /** A fresh producer after every failure: an idempotent producer's sequence is not to be trusted after one. */
  private async connectedProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    await ensureTopics(this.kafka, this.options.topicPrefix, this.options.partitions, ['events']);
    const producer = createIdempotentProducer(this.kafka);
    await producer.connect();
    this.producer = producer;
    return producer;
  }

  private async dropProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = null;
    await producer?.disconnect().catch(() => undefined);
  }

  private setLeading(leading: boolean): void {
    this.leading = leading;
    leaderGauge.set(leading ? 1 : 0);
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

/**
 * Splits events, in order, into produce requests of at most MAX_PUBLISH_BYTES (values,
 * keys, headers and record overhead), so that no request, and no partition's record batch
 * within it, exceeds what the topic accepts. An event is never split; the write side keeps
 * every event well below one request.
 */
export function byRequestSize(events: readonly SerializedEvent[], maxBytes = MAX_PUBLISH_BYTES): SerializedEvent[][] {
  const requests: SerializedEvent[][] = [];
  let current: SerializedEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = Buffer.byteLength(event.json) + Buffer.byteLength(event.streamId) + event.type.length + RECORD_OVERHEAD_BYTES;
    if (current.length > 0 && bytes + size > maxBytes) {
      requests.push(current);
      current = [];
      bytes = 0;
    }
    current.push(event);
    bytes += size;
  }
  if (current.length > 0) requests.push(current);
  return requests;
}
