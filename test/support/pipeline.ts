import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createKafka } from '@app/messaging';
import { createLogger } from '@app/platform';
import { Projector } from '../../apps/projector/src/projector';
import { createQueryApi } from '../../apps/query-api/src/query-api';
import { Relay } from '../../apps/relay/src/relay';
import { freshDatabase, type TestDatabase } from './database';
import { reference } from './fixtures';
import { provisionedPrefix, testConnection, testSigningKeys } from './kafka';
import { call, startIngestApi, testDeps } from './services';

/** The whole system in this process, on a fresh database and its own topics: ingest → store → relay → Kafka → projector → query. */
export interface Pipeline {
  readonly db: TestDatabase;
  readonly prefix: string;
  readonly ingestUrl: string;
  readonly queryUrl: string;
  readonly projector: Projector;
  /** POST /v1/batch with the admin key; throws unless every command got 201. Returns the last position. */
  batch(commands: Record<string, unknown>[]): Promise<number>;
  get<T = any>(path: string): Promise<T>;
  stopProjector(): Promise<void>;
  startProjector(): Promise<void>;
  close(): Promise<void>;
}

export async function startPipeline(): Promise<Pipeline> {
  const db = await freshDatabase(20);
  const prefix = await provisionedPrefix();
  const logger = createLogger('pipeline-test', process.env.LOG_LEVEL || 'silent');
  const signingKeys = testSigningKeys();
  const ingest = await startIngestApi(db);
  const relay = new Relay(db.pool, createKafka(testConnection('relay'), 'relay', logger), logger, {
    topicPrefix: prefix,
    partitions: 3,
    signingKeys,
  });
  await relay.start();
  const projectorKafka = createKafka(testConnection('projector'), 'projector', logger);
  const newProjector = () => new Projector(db.pool, projectorKafka, reference, logger, { topicPrefix: prefix, partitions: 3, signingKeys });
  let projector = newProjector();
  await projector.start();
  const query: NestFastifyApplication = await createQueryApi(
    await testDeps(db, { KAFKA_TOPIC_PREFIX: prefix, MIN_POSITION_WAIT_MS: '2000' }),
  );
  await query.listen({ port: 0, host: '127.0.0.1' });
  const queryUrl = `http://127.0.0.1:${(query.getHttpServer().address() as { port: number }).port}`;

  return {
    db,
    prefix,
    ingestUrl: ingest.url,
    queryUrl,
    get projector() {
      return projector;
    },
    async batch(commands) {
      const answer = await call(ingest.url, 'POST', '/v1/batch', { body: { commands } });
      const refused = answer.body.results.filter((r: { status: number }) => r.status !== 201);
      if (answer.status !== 200 || refused.length > 0)
        throw new Error(`batch refused: ${JSON.stringify(refused.length ? refused : answer.body)}`);
      return Math.max(...answer.body.results.map((r: { body: { position: number } }) => r.body.position));
    },
    async get(path) {
      const answer = await call(queryUrl, 'GET', path);
      if (answer.status !== 200) throw new Error(`GET ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body;
    },
    async stopProjector() {
      await projector.stop();
    },
    async startProjector() {
      projector = newProjector();
      await projector.start();
    },
    async close() {
      await query.close();
      await projector.stop();
      await relay.stop();
      await ingest.app.close();
      await db.drop();
    },
  };
}
