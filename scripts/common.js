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

/**
 * Runs `work(brokers)` with a private Kafka broker on free ports, removed afterwards; with
 * KAFKA_BROKERS set, uses that broker instead.
 */
async function withPrivateKafka(runId, work) {
  if (process.env.KAFKA_BROKERS) return work(process.env.KAFKA_BROKERS);
  const os = require('node:os');
  const { startKafka, freePort } = require('../deploy/kafka-local/kafka');
  console.log('starting a private Kafka broker…');
  const kafka = await startKafka({
    port: await freePort(),
    controllerPort: await freePort(),
    dataDir: path.join(os.tmpdir(), `investment-kafka-${runId}`),
    ephemeral: true,
  });
  try {
    return await work(kafka.brokers);
  } finally {
    await kafka.stop();
  }
}

module.exports = { ROOT, run, ensureDependencies, build, spawnApp, withPrivateKafka };
