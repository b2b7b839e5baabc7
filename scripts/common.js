'use strict';
/** Steps shared by `npm start`, `npm test` and `npm run bench`: install, build, run an app. */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
}

/** `npm ci` when node_modules is missing or older than the lock file. */
function ensureDependencies() {
  const installed = path.join(ROOT, 'node_modules', '.package-lock.json');
  const lock = path.join(ROOT, 'package-lock.json');
  if (fs.existsSync(installed) && fs.statSync(installed).mtimeMs >= fs.statSync(lock).mtimeMs) return;
  console.log('installing npm packages (npm ci)…');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

/** The apps (dist/) and the console's pages (dist/console-web). */
function build() {
  run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json']);
  require('./build-console').buildConsole();
}

/** Starts a compiled entry point of an app (dist/apps/<name>/src/<entry>.js) as a child process. */
function spawnApp(name, env, entry = 'main', args = []) {
  const file = path.join(ROOT, 'dist', 'apps', name, 'src', `${entry}.js`);
  return spawn(process.execPath, ['-r', path.join(__dirname, 'register-paths.js'), file, ...args], { cwd: ROOT, env, stdio: 'inherit' });
}

/** EVENT_SIGNING_KEYS of fresh keys, `kid:secret` pairs: the first signs, all verify. */
function newSigningKeys(kids) {
  return kids.map((kid) => `${kid}:${require('node:crypto').randomBytes(32).toString('base64url')}`).join(',');
}

/** The checkout's EVENT_SIGNING_KEYS, generated once into `file` (mode 600); never printed. */
function signingKeysFromFile(file) {
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const kid = `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`;
    fs.writeFileSync(file, newSigningKeys([kid]) + '\n', { mode: 0o600 });
  }
  fs.chmodSync(file, 0o600);
  return fs.readFileSync(file, 'utf8').trim();
}

/**
 * Runs `work(kafkaEnv)` with a private Kafka broker on free ports, removed afterwards:
 * `kafkaEnv` holds KAFKA_BROKERS, KAFKA_TEST_USERS (its SCRAM users, JSON name → password:
 * admin, relay, projector, bi) and EVENT_SIGNING_KEYS (two fresh keys). With KAFKA_BROKERS
 * set, uses that broker instead, and KAFKA_TEST_USERS and EVENT_SIGNING_KEYS as set.
 */
async function withPrivateKafka(runId, work) {
  const { startKafka, freePort, generateUsers } = require('../deploy/kafka-local/kafka');
  const signingKeys = process.env.EVENT_SIGNING_KEYS || newSigningKeys([`${runId}-1`, `${runId}-0`]);
  if (process.env.KAFKA_BROKERS) {
    return work({
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      KAFKA_TEST_USERS: process.env.KAFKA_TEST_USERS ?? '',
      EVENT_SIGNING_KEYS: signingKeys,
    });
  }
  const os = require('node:os');
  console.log('starting a private Kafka broker (SASL/SCRAM, ACLs)…');
  const users = generateUsers();
  const kafka = await startKafka({
    port: await freePort(),
    controllerPort: await freePort(),
    dataDir: path.join(os.tmpdir(), `investment-kafka-${runId}`),
    ephemeral: true,
    users,
  });
  try {
    return await work({ KAFKA_BROKERS: kafka.brokers, KAFKA_TEST_USERS: JSON.stringify(users), EVENT_SIGNING_KEYS: signingKeys });
  } finally {
    await kafka.stop();
  }
}

module.exports = { ROOT, run, ensureDependencies, build, spawnApp, withPrivateKafka, signingKeysFromFile };
