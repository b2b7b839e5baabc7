import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import { PostgresEventStore } from '@app/event-store';
import { createKafka, topicNames } from '@app/messaging';
import { createLogger } from '@app/platform';
import { Relay } from '../../apps/relay/src/relay';
import { freshDatabase, type TestDatabase } from '../support/database';
import { leadBody, numberedEvent } from '../support/fixtures';
import {
  TopicReader,
  decode,
  eventsByStream,
  provisionedPrefix,
  testConnection,
  testKafka,
  testSigningKeys,
  testUsers,
} from '../support/kafka';
import { call, startIngestApi } from '../support/services';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startKafka, freePort } = require('../../deploy/kafka-local/kafka');

const logger = createLogger('relay-test', process.env.LOG_LEVEL || 'silent');
const event = numberedEvent;

/** Every stream's versions in the order its messages arrived, counting each event once. */
const versionsByStream = (messages: readonly KafkaMessage[]) => eventsByStream(messages).streams;

describe('relay: event store → Kafka (real PostgreSQL and Kafka)', () => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await freshDatabase(20);
  });
  afterEach(() => db.drop());

  it('publishes every event of 8 concurrent writers exactly once, each stream in version order', async () => {
    const prefix = await provisionedPrefix();
    const relay = new Relay(db.pool, createKafka(testConnection('relay'), 'relay', logger), logger, {
      topicPrefix: prefix,
      partitions: 3,
      batchSize: 500,
      signingKeys: testSigningKeys(),
    });
    await relay.start();
    const reader = new TopicReader(testKafka(), topicNames(prefix).events);
    const store = new PostgresEventStore(db.pool);
    const writers = 8;
    const perWriter = 400;
    try {
      await reader.start();
      await Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          const streamId = `project-${randomUUID()}`;
          for (let i = 0; i < perWriter; i += 4) {
            await store.append([{ streamId, expectedVersion: i, events: [0, 1, 2, 3].map((k) => event(i + k)) }], async (client) => {
              if ((i + w) % 4 === 0) await client.query('SELECT pg_sleep($1)', [((i * 7 + w * 13) % 15) / 1000]);
            });
          }
        }),
      );
      const messages = await reader.waitFor(writers * perWriter);
      await new Promise((r) => setTimeout(r, 500)); // anything more would be a duplicate
      expect(reader.messages).toHaveLength(writers * perWriter);
      const streams = versionsByStream(messages);
      expect(streams.size).toBe(writers);
      for (const versions of streams.values()) expect(versions).toEqual(Array.from({ length: perWriter }, (_, i) => i + 1));
      const positions = messages.map((m) => Number(decode(m).position));
      expect(new Set(positions).size).toBe(writers * perWriter);
    } finally {
      await reader.stop();
      await relay.stop();
    }
  });

  it('a second relay waits while the first holds the lock, and takes over from its checkpoint', async () => {
    const prefix = await provisionedPrefix();
    const kafka = createKafka(testConnection('relay'), 'relay', logger);
    const first = new Relay(db.pool, kafka, logger, { topicPrefix: prefix, partitions: 1, signingKeys: testSigningKeys() });
    await first.start();
    const store = new PostgresEventStore(db.pool);
    const streamId = `project-${randomUUID()}`;
    await store.append([{ streamId, expectedVersion: 0, events: [event(1), event(2)] }]);
    const reader = await new TopicReader(testKafka(), topicNames(prefix).events).start();
    await reader.waitFor(2);

    const second = new Relay(db.pool, kafka, logger, { topicPrefix: prefix, partitions: 1, signingKeys: testSigningKeys() });
    const secondStarted = second.start();
    await store.append([{ streamId, expectedVersion: 2, events: [event(3)] }]);
    await reader.waitFor(3);
    await first.stop();
    await secondStarted;
    expect(second.publishedPosition).toBe(first.publishedPosition);
    await store.append([{ streamId, expectedVersion: 3, events: [event(4)] }]);
    await reader.waitFor(4);
    await new Promise((r) => setTimeout(r, 500));
    expect(versionsByStream(reader.messages).get(streamId)).toEqual([1, 2, 3, 4]);
    expect(reader.messages).toHaveLength(4);
    await reader.stop();
    await second.stop();
  });

  it('while Kafka is down, commands are still accepted; once it is back every event is published, in order', async () => {
    const port = await freePort();
    const controllerPort = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'relay-outage-'));
    let broker = await startKafka({ port, controllerPort, dataDir, users: testUsers() });
    const prefix = await provisionedPrefix([broker.brokers]);
    const relay = new Relay(db.pool, createKafka(testConnection('relay', [broker.brokers]), 'relay', logger), logger, {
      topicPrefix: prefix,
      partitions: 2,
      signingKeys: testSigningKeys(),
    });
    const { url, app } = await startIngestApi(db);
    try {
      await relay.start();
      const projects = Array.from({ length: 10 }, () => randomUUID());
      for (const projectId of projects)
        expect((await call(url, 'POST', '/v1/projects', { body: leadBody({ projectId }) })).status).toBe(201);
      let reader = await new TopicReader(testKafka([broker.brokers]), topicNames(prefix).events).start();
      await reader.waitFor(10);
      await reader.stop();

      await broker.stop();
      for (let round = 0; round < 5; round++) {
        for (const projectId of projects) {
          const visit = { direction: round % 2 ? 'inbound' : 'outbound', occurredAt: '2025-02-01T10:00:00+08:00' };
          expect((await call(url, 'POST', `/v1/projects/${projectId}/visits`, { body: visit })).status).toBe(201);
        }
      }
      await new Promise((r) => setTimeout(r, 1500)); // the relay fails and backs off meanwhile

      broker = await startKafka({ port, controllerPort, dataDir, users: testUsers() });
      reader = await new TopicReader(testKafka([broker.brokers]), topicNames(prefix).events).start();
      const messages = await reader.waitFor(60, 90_000);
      await reader.stop();
      const streams = versionsByStream(messages);
      expect([...streams.values()].reduce((n, v) => n + v.length, 0)).toBe(60);
      for (const projectId of projects) expect(streams.get(`project-${projectId}`)).toEqual([1, 2, 3, 4, 5, 6]);
    } finally {
      await relay.stop();
      await app.close();
      await broker.stop();
    }
  });
});
