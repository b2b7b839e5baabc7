import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshDatabase, type TestDatabase } from '../support/database';
import { leadBody } from '../support/fixtures';
import { uniquePrefix } from '../support/kafka';
import { eventually, runScript, type Running } from '../support/processes';
import { ADMIN_KEY, call } from '../support/services';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { freePort } = require('../../deploy/kafka-local/kafka');

/** `npm start` as a newcomer runs it: its own broker, every app, supervised. */
describe('npm start supervises what it runs (real PostgreSQL, its own Kafka broker)', () => {
  let db: TestDatabase;
  let stack: Running;

  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => {
    await stack?.stop('SIGKILL');
    await db.drop();
  });

  it('the broker killed under load is restarted; every acknowledged command reaches the read models; SIGTERM stops it all', async () => {
    const [kafkaPort, controllerPort, ingestPort, queryPort, relayPort, projectorPort] = await Promise.all(
      Array.from({ length: 6 }, () => freePort()),
    );
    stack = runScript('start.js', [], {
      DATABASE_URL: db.url,
      ADMIN_API_KEY: ADMIN_KEY,
      KAFKA_BROKERS: '',
      KAFKA_TOPIC_PREFIX: uniquePrefix(),
      KAFKA_PORT: String(kafkaPort),
      KAFKA_CONTROLLER_PORT: String(controllerPort),
      KAFKA_DATA_DIR: mkdtempSync(join(tmpdir(), 'supervised-kafka-')),
      INGEST_PORT: String(ingestPort),
      QUERY_PORT: String(queryPort),
      RELAY_PORT: String(relayPort),
      PROJECTOR_PORT: String(projectorPort),
      LOG_LEVEL: 'warn',
    });
    const kafkaPid = Number((await stack.waitForOutput(/kafka: 127\.0\.0\.1:\d+ \(pid (\d+)/, 120_000))[1]);
    await stack.waitForOutput(/The investment pipeline is running/, 120_000);
    expect(stack.output).toContain('admin API key       from ADMIN_API_KEY');
    expect(stack.output).not.toContain(ADMIN_KEY);

    const ingest = `http://127.0.0.1:${ingestPort}`;
    const acknowledged: string[] = [];
    let last = 0;
    const load = async (ms: number) => {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        const body = leadBody();
        const answer = await call(ingest, 'POST', '/v1/projects', { body });
        expect(answer.status).toBe(201);
        acknowledged.push(body.projectId as string);
        last = Math.max(last, answer.body.position);
      }
    };
    await load(1_000);
    process.kill(kafkaPid, 'SIGKILL');
    await load(3_000); // accepted while the broker is down: they wait in the store
    await stack.waitForOutput(/kafka exited \(SIGKILL\); restarting/, 10_000);
    await stack.waitForOutput(new RegExp(`kafka: 127\\.0\\.0\\.1:${kafkaPort} \\(pid (?!${kafkaPid}\\))\\d+`), 120_000);
    await load(1_000);

    const query = `http://127.0.0.1:${queryPort}`;
    await eventually(
      async () => ((await call(query, 'GET', `/v1/projections/status?minPosition=${last}`)).status === 200 ? true : undefined),
      120_000,
      'the read models catch up',
    );
    const { rows } = await db.pool.query('SELECT count(*) AS n FROM rm.projects WHERE project_id = ANY($1::uuid[])', [acknowledged]);
    expect(Number(rows[0].n)).toBe(acknowledged.length);

    expect(await stack.stop('SIGTERM', 30_000)).toBeLessThan(15_000);
    expect(stack.exited).toEqual({ code: 0, signal: null });
  });
});
