import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { PostgresEventStore } from '@app/event-store';
import { createIdempotentProducer, createKafka, ensureTopics, topicNames } from '@app/messaging';
import { createLogger } from '@app/platform';
import { Projector } from '../../apps/projector/src/projector';
import { Relay } from '../../apps/relay/src/relay';
import { freshDatabase } from '../support/database';
import { leadBody, leadEvent, reference } from '../support/fixtures';
import { TopicReader, provisionedPrefix, testBrokers, testConnection, testKafka, testSigningKeys } from '../support/kafka';
import { startPipeline } from '../support/pipeline';
import { eventually } from '../support/processes';

const logger = createLogger('topics-closed-test', process.env.LOG_LEVEL || 'silent');

/** A client that fails at once: no credentials, or a user and password of the caller's choosing. */
const clientAs = (credentials: { username: string; password: string } | null) =>
  new Kafka({
    clientId: 'intruder',
    brokers: testBrokers(),
    ...(credentials ? { sasl: { mechanism: 'scram-sha-512' as const, ...credentials } } : {}),
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 3_000,
  });

/** Tries to write one message; 'written' or the error's message. */
async function tryToWrite(kafka: Kafka, topic: string): Promise<string> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  try {
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'project-x', value: 'forged' }] });
    return 'written';
  } catch (error) {
    return (error as Error).message;
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}

/** The envelope a forger would send, for a stream and position of its choosing. */
const forgedEnvelope = (projectId: string, version: number, position: number) => ({
  eventId: randomUUID(),
  type: 'ProjectSigned',
  streamId: `project-${projectId}`,
  version,
  position,
  occurredAt: '2025-03-01T02:00:00.000Z',
  recordedAt: '2025-03-01T02:00:00.000Z',
  schemaVersion: 1,
  actor: { kind: 'system', id: 'forger' },
  data: { projectId, signedAmountWan: 9_000_000_000 },
});

const hmac = (secret: string, value: Buffer) => createHmac('sha256', secret).update(value).digest('base64');

describe('the topics are closed: SASL/SCRAM, ACLs and signed envelopes (real broker and PostgreSQL)', () => {
  it('only the relay writes the events topic: no credentials, a wrong password, the projector or BI cannot', async () => {
    const prefix = await provisionedPrefix();
    const topic = topicNames(prefix).events;
    await ensureTopics(createKafka(testConnection('relay'), 'relay', logger), prefix, 1, ['events']);
    const { credentials: projector } = testConnection('projector');
    const { credentials: bi } = testConnection('bi');
    const { credentials: relay } = testConnection('relay');

    expect(await tryToWrite(clientAs(null), topic)).not.toBe('written');
    expect(await tryToWrite(clientAs({ username: 'relay', password: randomBytes(24).toString('base64url') }), topic)).toMatch(
      /SASL SCRAM SHA512 authentication failed/,
    );
    expect(await tryToWrite(clientAs(projector), topic)).toMatch(/Topic authorization failed/);
    expect(await tryToWrite(clientAs(bi), topic)).toMatch(/Topic authorization failed/);
    expect(await tryToWrite(clientAs(relay), topic)).toBe('written');

    const admin = testKafka().admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    expect(offsets.reduce((n, p) => n + Number(p.high), 0)).toBe(1);
  });

  it('envelopes written with the relay credentials but not signed by a known key go to the DLQ and change no number', async () => {
    const pipeline = await startPipeline();
    try {
      const topics = topicNames(pipeline.prefix);
      const id = randomUUID();
      const leadPosition = await pipeline.batch([{ type: 'RegisterLead', ...leadBody({ projectId: id }) }]);
      const signedTotal = async (minPosition: number) =>
        (await pipeline.get(`/v1/kpis?year=2025&minPosition=${minPosition}`)).kpis.find(
          (k: { code: string }) => k.code === 'signed_total_wan',
        ).actual;
      const before = await signedTotal(leadPosition);

      // A position no event holds: nothing to apply in its place.
      const value = Buffer.from(JSON.stringify(forgedEnvelope(id, 2, leadPosition + 1_000_000)));
      const [key] = testSigningKeys();
      const headers = { type: 'ProjectSigned', position: String(leadPosition + 1_000_000) };
      const producer = createIdempotentProducer(createKafka(testConnection('relay'), 'forger', logger));
      await producer.connect();
      await producer.send({
        topic: topics.events,
        acks: -1,
        messages: [
          { key: `project-${id}`, value, headers },
          { key: `project-${id}`, value, headers: { ...headers, kid: 'not-a-key', sig: hmac(key.secret, value) } },
          { key: `project-${id}`, value, headers: { ...headers, kid: key.kid, sig: hmac(randomBytes(32).toString('hex'), value) } },
        ],
      });
      await producer.disconnect();
      // The genuine next event of the same stream: on the same partition, after the forgeries.
      const visitPosition = await pipeline.batch([
        { type: 'RecordVisit', projectId: id, direction: 'inbound', occurredAt: '2025-03-05T10:00:00+08:00' },
      ]);

      expect(await signedTotal(visitPosition)).toBe(before);
      const project = await pipeline.get(`/v1/projects/${id}?minPosition=${visitPosition}`);
      // The visit applied (it moves a lead on), the forged signing not.
      expect(project).toMatchObject({ stage: 'negotiating', signedAmountWan: null });
      const dlq = await new TopicReader(testKafka(), topics.eventsDlq).start();
      const letters = await dlq.waitFor(3);
      await dlq.stop();
      expect(letters.map((m) => m.headers!.error!.toString())).toEqual([
        'signature missing (headers kid and sig)',
        'signature by an unknown key (kid "not-a-key")',
        `signature does not match (kid ${key.kid})`,
      ]);
      expect(letters.every((m) => m.headers!['applied-from-store'] === undefined)).toBe(true);
      expect((await pipeline.db.pool.query('SELECT count(*) AS n FROM rm.dead_letters')).rows[0].n).toBe('0');
    } finally {
      await pipeline.close();
    }
  });

  it("a forgery claiming a stored event's position gets the store's event applied instead; the relay's messages, signed with the second key, still apply", async () => {
    const db = await freshDatabase();
    const prefix = await provisionedPrefix();
    const topics = topicNames(prefix);
    const keys = testSigningKeys();
    expect(keys.length).toBeGreaterThanOrEqual(2);
    const projector = new Projector(db.pool, createKafka(testConnection('projector'), 'projector', logger), reference, logger, {
      topicPrefix: prefix,
      partitions: 3,
      signingKeys: keys,
    });
    // A relay in the middle of a rotation: it signs with the key that is second in EVENT_SIGNING_KEYS.
    const relay = new Relay(db.pool, createKafka(testConnection('relay'), 'relay', logger), logger, {
      topicPrefix: prefix,
      partitions: 3,
      signingKeys: [keys[1]],
    });
    const dlq = new TopicReader(testKafka(), topics.eventsDlq);
    try {
      await projector.start();
      const store = new PostgresEventStore(db.pool);
      const id = randomUUID();
      const streamId = `project-${id}`;
      const actor = { kind: 'system' as const, id: 'test' };
      const [, signed] = await store.append([
        {
          streamId,
          expectedVersion: 0,
          events: [
            leadEvent(id),
            {
              type: 'ProjectSigned',
              occurredAt: '2025-03-01T02:00:00.000Z',
              data: { projectId: id, signedAmountWan: 1000 },
              actor,
              schemaVersion: 1,
            },
          ],
        },
      ]);
      // Stored, not yet published (the relay has not started): the forgery comes first and claims it.
      const value = Buffer.from(JSON.stringify(forgedEnvelope(id, signed.version, signed.position)));
      const producer = createIdempotentProducer(createKafka(testConnection('relay'), 'forger', logger));
      await producer.connect();
      await producer.send({
        topic: topics.events,
        acks: -1,
        messages: [
          {
            key: streamId,
            value,
            headers: { type: 'ProjectSigned', position: String(signed.position), kid: keys[0].kid, sig: hmac('x'.repeat(32), value) },
          },
        ],
      });
      await producer.disconnect();

      const facts = async () =>
        (
          await db.pool.query(
            `SELECT f.signed_wan, s.version FROM rm.project_facts f JOIN rm.streams s ON s.stream_id = 'project-' || f.project_id
              WHERE f.project_id = $1 AND f.valid_to IS NULL`,
            [id],
          )
        ).rows[0] as { signed_wan: string; version: number } | undefined;
      expect(await eventually(facts, 30_000, "the store's event applied")).toEqual({ signed_wan: '1000', version: 2 });
      await dlq.start();
      const [letter] = await dlq.waitFor(1);
      expect(letter.headers!.error!.toString()).toBe(`signature does not match (kid ${keys[0].kid})`);
      expect(letter.headers!['applied-from-store']!.toString()).toBe(String(signed.position));

      // The genuine messages (published again from the store) and a new event, signed with the second key.
      await relay.start();
      const [visit] = await store.append([
        {
          streamId,
          expectedVersion: 2,
          events: [
            {
              type: 'VisitRecorded',
              occurredAt: '2025-03-02T02:00:00.000Z',
              data: { projectId: id, direction: 'inbound' },
              actor,
              schemaVersion: 1,
            },
          ],
        },
      ]);
      const applied = async () => ((await facts())?.version === visit.version ? true : undefined);
      await eventually(applied, 30_000, 'the visit signed with the second key applied');
      expect(await facts()).toEqual({ signed_wan: '1000', version: 3 });
      const visits = await db.pool.query('SELECT count(*) AS n FROM rm.visits WHERE project_id = $1', [id]);
      expect(visits.rows[0].n).toBe('1');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(dlq.messages).toHaveLength(1);
      expect((await db.pool.query('SELECT count(*) AS n FROM rm.dead_letters')).rows[0].n).toBe('0');
    } finally {
      await dlq.stop();
      await relay.stop();
      await projector.stop();
      await db.drop();
    }
  });
});
