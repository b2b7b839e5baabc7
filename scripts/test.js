'use strict';
/**
 * `npm test`: the whole suite against real PostgreSQL and a real Kafka broker, privately:
 * its own databases (named after a run id, dropped at the end) and its own broker on free
 * ports (unless KAFKA_BROKERS is set, then its own topic prefix there). Type-checks, checks
 * the layers, lint rules and formatting, and builds first.
 * Arguments are passed to jest (`npm test -- test/relay`).
 */
const crypto = require('node:crypto');
const path = require('node:path');
const { ROOT, run, ensureDependencies, build, withPrivateKafka } = require('./common');

async function main() {
  ensureDependencies();
  console.log('type-checking and building…');
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  run(process.execPath, [tsc, '-p', 'tsconfig.json', '--noEmit']);
  run(process.execPath, [tsc, '-p', path.join('apps', 'console', 'web', 'tsconfig.json')]);
  console.log('checking the layers, the lint rules and the formatting…');
  run(process.execPath, [
    path.join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs'),
    'apps',
    'libs',
    '--config',
    '.dependency-cruiser.js',
  ]);
  run(process.execPath, [path.join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js'), '.']);
  run(process.execPath, [path.join(ROOT, 'node_modules', 'prettier', 'bin', 'prettier.cjs'), '--check', '--log-level', 'warn', '.']);
  // The fault tests run the compiled apps as processes, to stop, freeze and kill them.
  build();

  const runId = `t${Date.now().toString(36)}${crypto.randomBytes(2).toString('hex')}`;
  const serverUrl = process.env.TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const env = {
    ...process.env,
    TEST_POSTGRES_URL: serverUrl,
    TEST_DB_PREFIX: `investment_test_${runId}`,
    KAFKA_TOPIC_PREFIX: `${runId}.`,
    LOG_LEVEL: process.env.LOG_LEVEL || 'silent',
  };
  let status = 1;
  try {
    status = await withPrivateKafka(runId, async (kafkaEnv) => {
      const jest = require('node:child_process').spawnSync(
        process.execPath,
        [path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', ...process.argv.slice(2)],
        { cwd: ROOT, env: { ...env, ...kafkaEnv }, stdio: 'inherit' },
      );
      return jest.status ?? 1;
    });
  } finally {
    await dropTestDatabases(serverUrl, env.TEST_DB_PREFIX);
  }
  process.exit(status);
}

async function dropTestDatabases(serverUrl, prefix) {
  const { Client } = require('pg'); // installed by ensureDependencies()
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${prefix}%`]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
