'use strict';
/**
 * `npm start`: from a fresh clone to a running system. Installs what is missing, builds,
 * starts the local Kafka broker (unless KAFKA_BROKERS is set), creates and migrates the
 * database (each app does so at start), runs every app in the foreground and stops all of
 * it on Ctrl-C or SIGTERM. It supervises what it runs: an app or the local broker that dies
 * is restarted, after a pause that grows while it keeps dying.
 * The local broker is closed (SASL/SCRAM and ACLs): the relay and the projector connect each
 * as its own principal, with the passwords generated once into .local/kafka-users.json, and
 * the relay signs what it publishes with EVENT_SIGNING_KEYS (generated once into
 * .local/event-signing-keys when unset). No password or key is ever printed.
 * `npm start -- --demo` also loads a synthetic year and prints its KPI report (npm run demo).
 */
const path = require('node:path');
const { ROOT, ensureDependencies, build, spawnApp, signingKeysFromFile } = require('./common');

/** Every app of the system, in start order, with the port its /health answers on. */
const APPS = [
  { name: 'ingest-api', port: (env) => env.INGEST_PORT || 3000 },
  { name: 'relay', port: (env) => env.RELAY_PORT || 3003 },
  { name: 'projector', port: (env) => env.PROJECTOR_PORT || 3004 },
  { name: 'query-api', port: (env) => env.QUERY_PORT || 3001 },
  { name: 'console', port: (env) => env.CONSOLE_PORT || 3002 },
];

/** Restart pauses: 1 s, doubling to 30 s; back to 1 s once a process has run for a minute. */
class Backoff {
  constructor() {
    this.ms = 1000;
    this.startedAt = Date.now();
  }
  started() {
    this.startedAt = Date.now();
  }
  next() {
    if (Date.now() - this.startedAt > 60_000) this.ms = 1000;
    const wait = this.ms;
    this.ms = Math.min(this.ms * 2, 30_000);
    return wait;
  }
}

/**
 * Keeps a process running: `launch` starts it (a failure of the first start is the caller's);
 * when it exits, or a later start fails, it is started again after a back-off, logged.
 */
async function supervise(name, launch, isStopping) {
  const backoff = new Backoff();
  const watch = (child) => {
    backoff.started();
    child.once('exit', (code, signal) => !isStopping() && restartLater(`exited (${code ?? signal})`));
  };
  const restartLater = (why) => {
    const wait = backoff.next();
    console.error(`${name} ${why}; restarting in ${wait / 1000} s`);
    setTimeout(async () => {
      if (isStopping()) return;
      try {
        watch(await launch());
      } catch (error) {
        restartLater(`did not start (${error.message})`);
      }
    }, wait);
  };
  watch(await launch());
}

async function main() {
  ensureDependencies();
  console.log('building…');
  build();
  const env = { ...process.env };
  let stopping = false;
  require('./register-paths'); // the compiled libs' @app/* imports
  const messaging = require(path.join(ROOT, 'dist', 'libs', 'messaging', 'src', 'index.js'));

  // Kafka principals per app: with the local broker, each service its own (unset: no credentials at all).
  const kafkaEnvOf = { relay: {}, projector: {} };
  const usersFile = path.resolve(ROOT, env.KAFKA_USERS_FILE || path.join('.local', 'kafka-users.json'));
  let kafka = null;
  if (!env.KAFKA_BROKERS) {
    const { startKafka, usersFromFile, SERVICE_USERS } = require('../deploy/kafka-local/kafka');
    const principals = {
      relay: 'relay',
      projector: 'projector',
      readers: messaging.principalList(env.KAFKA_READERS, 'KAFKA_READERS'),
      biReaders: messaging.principalList(env.KAFKA_BI_READERS ?? 'bi', 'KAFKA_BI_READERS'),
    };
    const users = usersFromFile(usersFile, [...new Set([...SERVICE_USERS, ...principals.readers, ...principals.biReaders])]);
    const dataDir = path.resolve(ROOT, env.KAFKA_DATA_DIR || path.join('.local', 'kafka-data'));
    console.log('starting the local Kafka broker…');
    await supervise(
      'kafka',
      async () => {
        kafka = await startKafka({ dataDir, users });
        const admin = { brokers: [kafka.brokers], credentials: { username: 'admin', password: users.admin } };
        const logger = { debug() {}, warn: console.warn, error: console.error };
        try {
          await messaging.grantTopicAcls(messaging.createKafka(admin, 'npm-start', logger), env.KAFKA_TOPIC_PREFIX || '', principals);
        } catch (error) {
          await kafka.stop();
          throw new Error(`the topics' ACLs could not be created: ${error.message}`);
        }
        console.log(`kafka: ${kafka.brokers} (pid ${kafka.pid}, log ${kafka.logFile})`);
        return kafka.child;
      },
      () => stopping,
    );
    env.KAFKA_BROKERS = kafka.brokers;
    for (const name of ['relay', 'projector']) kafkaEnvOf[name] = { KAFKA_USERNAME: name, KAFKA_PASSWORD: users[name] };
    delete env.KAFKA_USERNAME;
    delete env.KAFKA_PASSWORD;
  }
  const signingKeysFile = path.resolve(ROOT, env.EVENT_SIGNING_KEYS_FILE || path.join('.local', 'event-signing-keys'));
  if (!env.EVENT_SIGNING_KEYS) {
    for (const name of ['relay', 'projector']) kafkaEnvOf[name].EVENT_SIGNING_KEYS = signingKeysFromFile(signingKeysFile);
  }
  const keyFile = path.resolve(ROOT, env.ADMIN_API_KEY_FILE || path.join('.local', 'admin-api-key'));
  if (!env.ADMIN_API_KEY) {
    // Generated once into the file, never printed: see libs/platform/src/admin-key.ts.
    require(path.join(ROOT, 'dist', 'libs', 'platform', 'src', 'admin-key.js')).adminKeyFromFile(keyFile);
    env.ADMIN_API_KEY_FILE = keyFile;
  }

  const children = new Map();
  for (const app of APPS) {
    await supervise(
      app.name,
      () => {
        const child = spawnApp(app.name, { ...env, ...kafkaEnvOf[app.name] });
        children.set(app.name, child);
        child.once('exit', () => children.delete(app.name));
        return child;
      },
      () => stopping,
    );
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

  const host = env.HOST || '127.0.0.1';
  await waitUntilHealthy(
    host,
    APPS.map((app) => app.port(env)),
  );
  if (stopping) return;
  const at = (port) => `http://${host}:${port}`;
  const passwordFile = path.resolve(ROOT, env.CONSOLE_ADMIN_PASSWORD_FILE || path.join('.local', 'console-admin-password'));
  console.log(
    [
      '',
      'The investment pipeline is running:',
      `  console (工作台)     ${env.CONSOLE_PUBLIC_URL || at(APPS[4].port(env))}   log in as admin, password ${
        env.CONSOLE_ADMIN_PASSWORD ? 'from CONSOLE_ADMIN_PASSWORD' : `in ${path.relative(process.cwd(), passwordFile) || passwordFile}`
      }`,
      `  write API (ingest)  ${at(APPS[0].port(env))}/v1   docs: ${at(APPS[0].port(env))}/docs`,
      `  read API (query)    ${at(APPS[3].port(env))}/v1   docs: ${at(APPS[3].port(env))}/docs`,
      `  relay, projector    ${at(APPS[1].port(env))}/health, ${at(APPS[2].port(env))}/health (and /metrics)`,
      `  Kafka               ${env.KAFKA_BROKERS}   topics prefixed '${env.KAFKA_TOPIC_PREFIX || ''}'${
        kafka ? `, SASL/SCRAM-SHA-512: passwords in ${path.relative(process.cwd(), usersFile) || usersFile}` : ''
      }`,
      `  event signing keys  ${env.EVENT_SIGNING_KEYS ? 'from EVENT_SIGNING_KEYS' : `in ${path.relative(process.cwd(), signingKeysFile) || signingKeysFile}`}`,
      `  database            ${env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/investment'}`,
      `  admin API key       ${env.ADMIN_API_KEY ? 'from ADMIN_API_KEY' : `in ${path.relative(process.cwd(), keyFile) || keyFile}`}`,
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );

  if (process.argv.includes('--demo')) {
    spawnApp('demo', env).on('exit', (code) => code !== 0 && console.error(`the demo load failed (exit ${code})`));
  }
}

/** Waits until every app answers GET /health (or two minutes have passed: they keep starting, and say why in their logs). */
async function waitUntilHealthy(host, ports) {
  const deadline = Date.now() + 120_000;
  const healthy = async (port) => {
    try {
      return (await fetch(`http://${host}:${port}/health`, { signal: AbortSignal.timeout(2000) })).ok;
    } catch {
      return false;
    }
  };
  while (Date.now() < deadline) {
    if ((await Promise.all(ports.map(healthy))).every(Boolean)) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  console.error('not every app answers /health yet; see the logs above');
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
