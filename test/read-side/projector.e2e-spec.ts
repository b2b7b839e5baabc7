import { randomUUID } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import { createIdempotentProducer, createKafka, topicNames } from '@app/messaging';
import { createLogger } from '@app/platform';
import { Projector } from '../../apps/projector/src/projector';
import { leadBody, reference } from '../support/fixtures';
import { TopicReader, signedHeaders, testConnection, testKafka, testSigningKeys } from '../support/kafka';
import { startPipeline, type Pipeline } from '../support/pipeline';

const logger = createLogger('projector-test', process.env.LOG_LEVEL || 'silent');

const leads = (n: number): { type: string; projectId: string }[] =>
  Array.from({ length: n }, () => {
    const projectId = randomUUID();
    return { type: 'RegisterLead', ...leadBody({ projectId }), projectId };
  });
const signAll = (commands: { projectId: string }[], amount: number) =>
  commands.map((c) => ({ type: 'SignProject', projectId: c.projectId, signedAmountWan: amount, occurredAt: '2025-05-05T10:00:00+08:00' }));

/** A projector that dies once right after a chunk was applied and before its offset was committed. */
class CrashingProjector extends Projector {
  crashes = 0;
  override async applyChunk(topic: string, partition: number, messages: readonly KafkaMessage[]): Promise<void> {
    await super.applyChunk(topic, partition, messages);
    if (this.crashes === 0) {
      this.crashes++;
      throw new Error('simulated crash between applying and committing');
    }
  }
}

describe('projector (real Kafka and PostgreSQL)', () => {
  let pipeline: Pipeline;

  beforeEach(async () => {
    pipeline = await startPipeline();
  });
  afterEach(() => pipeline.close());

  it('killed between applying a batch and recording it: after restart nothing is counted twice or missed', async () => {
    await pipeline.stopProjector();
    const batchA = leads(40);
    await pipeline.batch(batchA);
    const last = await pipeline.batch(signAll(batchA, 1000));
    const crashing = new CrashingProjector(pipeline.db.pool, createKafka(testConnection('projector'), 'crash', logger), reference, logger, {
      topicPrefix: pipeline.prefix,
      partitions: 3,
      chunkSize: 7,
      signingKeys: testSigningKeys(),
    });
    await crashing.start();
    try {
      const report = await pipeline.get(`/v1/kpis?year=2025&minPosition=${last}`);
      expect(crashing.crashes).toBe(1);
      expect(report.kpis.find((k: { code: string }) => k.code === 'signed_total_wan').actual).toBe(40_000);
      const { rows } = await pipeline.db.pool.query(
        'SELECT count(*) AS n, count(DISTINCT project_id) AS d FROM rm.project_facts WHERE valid_to IS NULL',
      );
      expect(rows[0]).toEqual({ n: '40', d: '40' });
      expect((await pipeline.db.pool.query('SELECT count(*) AS n FROM rm.project_facts')).rows[0].n).toBe('80');
    } finally {
      await crashing.stop();
    }
  });

  it('a poison message goes to the DLQ with the reason in its headers, and later messages are still applied', async () => {
    const kafka = testKafka();
    const topics = topicNames(pipeline.prefix);
    // Signed like the relay's: what is tested here is what comes after the signature.
    const producer = createIdempotentProducer(createKafka(testConnection('relay'), 'poison', logger));
    await producer.connect();
    const orphan = randomUUID();
    const signed = (key: string, text: string) => {
      const value = Buffer.from(text);
      return { key, value, headers: signedHeaders(value) };
    };
    await producer.send({
      topic: topics.events,
      messages: [
        signed('garbage', '{not json'),
        signed(
          `project-${orphan}`,
          JSON.stringify({
            eventId: randomUUID(),
            type: 'VisitRecorded',
            streamId: `project-${orphan}`,
            version: 1,
            position: 999_999,
            occurredAt: '2025-01-01T00:00:00.000Z',
            recordedAt: '2025-01-01T00:00:00.000Z',
            schemaVersion: 1,
            actor: { kind: 'system', id: 'x' },
            data: { projectId: orphan, direction: 'inbound' },
          }),
        ),
      ],
    });
    await producer.disconnect();
    const good = leads(1);
    const position = await pipeline.batch(good);
    const project = await pipeline.get(`/v1/projects/${good[0].projectId}?minPosition=${position}`);
    expect(project.stage).toBe('lead');

    const dlq = new TopicReader(kafka, topics.eventsDlq);
    await dlq.start();
    const messages = await dlq.waitFor(2);
    await dlq.stop();
    const reasons = messages.map((m) => m.headers!.error!.toString()).sort();
    expect(reasons[0]).toMatch(/before LeadRegistered/);
    expect(reasons[1]).toMatch(/^not JSON/);
    expect(messages.map((m) => m.value!.toString())).toContain('{not json');
    expect(messages.every((m) => m.headers!['source-topic']!.toString() === topics.events)).toBe(true);
  });
});
