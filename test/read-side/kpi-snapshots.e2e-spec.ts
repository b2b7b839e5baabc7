import { randomUUID } from 'node:crypto';
import { createIdempotentProducer, createKafka, ensureTopics, topicNames } from '@app/messaging';
import { createLogger } from '@app/platform';
import { KpiQueries } from '@app/read-models';
import { KpiSnapshots } from '../../apps/projector/src/kpi-snapshots';
import { leadBody, reference } from '../support/fixtures';
import { TopicReader, decode, testConnection, testKafka } from '../support/kafka';
import { startPipeline, type Pipeline } from '../support/pipeline';

describe('KPI snapshots on Kafka (real pipeline)', () => {
  let pipeline: Pipeline;
  beforeAll(async () => {
    pipeline = await startPipeline();
  });
  afterAll(() => pipeline.close());

  it('publishes every result once, keyed code|scope|period, then only those that changed', async () => {
    const logger = createLogger('snapshots-test', 'silent');
    const kafka = createKafka(testConnection('projector'), 'snapshots', logger);
    await ensureTopics(kafka, pipeline.prefix, 3);
    const producer = createIdempotentProducer(kafka);
    await producer.connect();
    const topic = topicNames(pipeline.prefix).kpiSnapshots;
    const snapshots = new KpiSnapshots(new KpiQueries(pipeline.db.pool, reference), producer, topic, 2025, logger, 1000);
    // Read as BI reads it: the principal `bi`, a group of its own.
    const reader = new TopicReader(testKafka(undefined, 'bi'), topic, `${pipeline.prefix}bi-snapshots`);
    try {
      const perPeriod = 18 + 16 * 4;
      expect(await snapshots.publish()).toBe(5 * perPeriod);
      await reader.start();
      await reader.waitFor(5 * perPeriod);
      const first = reader.messages.find((m) => m.key!.toString() === 'signed_total_wan|city|2025')!;
      expect(decode(first)).toMatchObject({ code: 'signed_total_wan', scope: 'city', period: '2025', actual: 0, target: 84_000_000 });
      expect(reader.messages.some((m) => m.key!.toString() === 'unit.mega_signed_count|zz-airport|2025-Q3')).toBe(true);

      const id = randomUUID();
      const position = await pipeline.batch([
        { type: 'RegisterLead', ...leadBody({ projectId: id, channels: ['university'] }) },
        { type: 'SignProject', projectId: id, signedAmountWan: 123, occurredAt: '2025-08-08T10:00:00+08:00' },
      ]);
      await pipeline.get(`/v1/kpis?year=2025&minPosition=${position}`);
      const changed = await snapshots.publish();
      const messages = await reader.waitFor(5 * perPeriod + changed);
      const keys = messages
        .slice(5 * perPeriod)
        .map((m) => m.key!.toString())
        .sort();
      expect(keys).toEqual(
        expect.arrayContaining([
          'signed_total_wan|city|2025',
          'signed_total_wan|city|2025-Q3',
          'university_signed_count|city|2025',
          'region_signed_count.gba|city|2025-Q3',
        ]),
      );
      expect(keys).not.toContain('signed_total_wan|city|2025-Q1');
      const latest = messages.filter((m) => m.key!.toString() === 'signed_total_wan|city|2025').pop()!;
      expect(decode(latest).actual).toBe(123);
      expect(await snapshots.publish()).toBe(0);
    } finally {
      await reader.stop();
      await producer.disconnect();
    }
  });
});
