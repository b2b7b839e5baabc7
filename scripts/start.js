'use strict';
/**
 * `npm start`: from a fresh clone to a running system. Installs what is missing, builds,
 * starts the local Kafka broker (unless KAFKA_BROKERS is set), creates and migrates the
 * database (each app does so at start), runs every app in the foreground and stops all of
 * it on Ctrl-C or SIGTERM. An app that dies is restarted after a pause.
 * `npm start -- --demo` also loads a synthetic year and prints its KPI report (npm run demo).
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, ensureDependencies, build, spawnApp } = require('./common');

/** Every app of the system, in start order. */
const APPS = ['ingest-api', 'relay', 'projector', 'query-api'];

async function main() {
  ensureDependencies();
  console.log('building…');
  build();
  const local = path.join(ROOT, '.local');
  fs.mkdirSync(local, { recursive: true });

  let kafka = null;
  const env = { ...process.env };
  if (!env.KAFKA_BROKERS) {
    const { startKafka } = require('../deploy/kafka-local/kafka');
    console.log('starting the local Kafka broker…');
    kafka = await startKafka({ dataDir: path.join(local, 'kafka-data') });
    env.KAFKA_BROKERS = kafka.brokers;
    console.log(`kafka: ${kafka.brokers} (pid ${kafka.pid}, log ${kafka.logFile})`);
  }
  if (!env.ADMIN_API_KEY) env.ADMIN_API_KEY = developmentAdminKey(local);

  const children = new Map();
  let stopping = false;
  const launch = (name) => {
    const child = spawnApp(name, env);
    children.set(name, child);
    child.on('exit', (code, signal) => {
      children.delete(name);
      if (stopping) return;
      console.error(`${name} exited (${code ?? signal}); restarting in 2 s`);
      setTimeout(() => !stopping && launch(name), 2000);
    });
  };
  APPS.forEach(launch);

  const host = env.HOST || '127.0.0.1';
  console.log(
    [
      '',
      'The investment pipeline is running:',
      `  write API (ingest)  http://${host}:${env.INGEST_PORT || 3000}/v1   docs: http://${host}:${env.INGEST_PORT || 3000}/docs`,
      `  read API (query)    http://${host}:${env.QUERY_PORT || 3001}/v1   docs: http://${host}:${env.QUERY_PORT || 3001}/docs`,
      `  Kafka               ${env.KAFKA_BROKERS}   topics prefixed '${env.KAFKA_TOPIC_PREFIX || ''}'`,
      `  database            ${env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/investment'}`,
      `  admin API key       ${env.ADMIN_API_KEY}`,
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );

  if (process.argv.includes('--demo')) {
    spawnApp('demo', env).on('exit', (code) => code !== 0 && console.error(`the demo load failed (exit ${code})`));
  }

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('stopping…');
    await Promise.all(
      [...children.values()].map(
        (child) =>
          new Promise((resolve) => {
            child.once('exit', resolve);
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
          }),
      ),
    );
    if (kafka) await kafka.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Started through npm, which may exit on a signal without passing it on: stop with it.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && stop(), 1000).unref();
}

/** One admin key per checkout, kept in .local/ so it survives restarts; production sets ADMIN_API_KEY. */
function developmentAdminKey(local) {
  const file = path.join(local, 'admin-api-key');
  if (!fs.existsSync(file)) fs.writeFileSync(file, crypto.randomBytes(24).toString('base64url'), { mode: 0o600 });
  return fs.readFileSync(file, 'utf8').trim();
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
