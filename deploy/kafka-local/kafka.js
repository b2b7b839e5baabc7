'use strict';
/**
 * A single-node Apache Kafka broker (KRaft, no ZooKeeper) assembled from Maven Central jars.
 *
 *   node deploy/kafka-local/kafka.js        runs one in the foreground until Ctrl-C
 *
 * Environment: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_DATA_DIR
 * (.local/kafka-data), KAFKA_VERSION (3.9.2), KAFKA_HEAP (512m).
 * Used as a library by scripts/start.js, scripts/test.js and tests that stop and restart a broker.
 */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const HERE = __dirname;
const LIB = path.join(HERE, 'lib');
const ROOT = path.resolve(HERE, '..', '..');

/** Resolves the broker's jars into lib/ once (Maven caches them in ~/.m2 too). */
function ensureJars(version = process.env.KAFKA_VERSION || '3.9.2') {
  const marker = path.join(LIB, `.kafka-${version}`);
  if (fs.existsSync(marker)) return;
  fs.rmSync(LIB, { recursive: true, force: true });
  console.log(`kafka: resolving Apache Kafka ${version} from Maven Central into ${LIB} (first run only)`);
  const result = spawnSync(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      path.join(HERE, 'pom.xml'),
      `-Dkafka.version=${version}`,
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${LIB}`,
    ],
    // Kept, and shown only on failure: even quiet, in batch mode, Maven 3.8 writes ANSI colour resets.
    { encoding: 'utf8' },
  );
  if (result.status !== 0) {
    // eslint-disable-next-line no-control-regex -- removing ANSI escape sequences
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.replace(/\u001b\[[0-9;]*m/g, '');
    throw new Error(`mvn could not resolve Kafka ${version} (exit ${result.status ?? result.error?.message}):\n${output}`);
  }
  fs.writeFileSync(marker, new Date().toISOString());
}

/** A free TCP port on loopback. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function writeConfig(dir, port, controllerPort) {
  const properties = [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${path.join(dir, 'logs')}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=4',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // The applications create their topics; a typo must not create one silently.
    'auto.create.topics.enable=false',
    'log.cleaner.dedupe.buffer.size=16777216',
    'log.retention.hours=168',
  ].join('\n');
  const file = path.join(dir, 'server.properties');
  fs.writeFileSync(file, properties + '\n');
  const log4j = [
    'log4j.rootLogger=WARN, stdout',
    'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
    'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
    'log4j.logger.kafka.server.KafkaServer=INFO',
    'log4j.logger.kafka.server.KafkaRaftServer=INFO',
    'log4j.logger.kafka.Kafka$=INFO',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'log4j.properties'), log4j + '\n');
  return file;
}

function java(args, options) {
  return spawn('java', args, options);
}

/**
 * Starts a broker and resolves once it accepts clients. Returns {brokers, pid, stop()}.
 * The data folder survives a stop unless `ephemeral` (then it is removed by stop()).
 */
async function startKafka(options = {}) {
  ensureJars(options.version);
  const dir = path.resolve(options.dataDir || process.env.KAFKA_DATA_DIR || path.join(ROOT, '.local', 'kafka-data'));
  const port = options.port ?? (Number(process.env.KAFKA_PORT) || 9092);
  const controllerPort = options.controllerPort ?? (Number(process.env.KAFKA_CONTROLLER_PORT) || 9093);
  fs.mkdirSync(dir, { recursive: true });
  const config = writeConfig(dir, port, controllerPort);
  const classpath = `${LIB}/*`;
  const logOption = `-Dlog4j.configuration=file:${path.join(dir, 'log4j.properties')}`;

  if (!fs.existsSync(path.join(dir, 'logs', 'meta.properties'))) {
    const clusterId = require('node:crypto').randomBytes(16).toString('base64url');
    const format = spawnSync(
      'java',
      [logOption, '-cp', classpath, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', config],
      {
        encoding: 'utf8',
      },
    );
    if (format.status !== 0) throw new Error(`kafka storage format failed: ${format.stderr || format.stdout}`);
  }

  const heap = process.env.KAFKA_HEAP || '512m';
  const logFile = path.join(dir, 'broker.log');
  const out = fs.openSync(logFile, 'a');
  const child = java(
    [`-Xms128m`, `-Xmx${heap}`, '-XX:+UseG1GC', '-XX:TieredStopAtLevel=1', logOption, '-cp', classpath, 'kafka.Kafka', config],
    { stdio: ['ignore', out, out], detached: false },
  );
  fs.closeSync(out);
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));

  const brokers = `127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  while (!(await accepts(port))) {
    if (exited) throw new Error(`kafka exited (${JSON.stringify(exited)}) before it was ready; see ${logFile}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`kafka was not ready within the time allowed; see ${logFile}`);
    }
    await sleep(250);
  }
  await waitForMetadata(brokers, deadline);

  const stop = async () => {
    if (!exited) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await gone;
      clearTimeout(timer);
    }
    if (options.ephemeral) fs.rmSync(dir, { recursive: true, force: true });
  };
  return { brokers, port, controllerPort, pid: child.pid, dataDir: dir, logFile, child, stop };
}

/** The port is open once the socket server is up; metadata answers once the controller has elected itself. */
async function waitForMetadata(brokers, deadline) {
  const { Kafka, logLevel } = require('kafkajs');
  const admin = new Kafka({ clientId: 'kafka-local-ready', brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
  for (;;) {
    try {
      await admin.connect();
      await admin.describeCluster();
      await admin.disconnect();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`kafka did not answer metadata requests: ${error.message}`);
      await admin.disconnect().catch(() => undefined);
      await sleep(300);
    }
  }
}

function accepts(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

module.exports = { ensureJars, startKafka, freePort };

if (require.main === module) {
  startKafka()
    .then((kafka) => {
      console.log(`kafka: ready at ${kafka.brokers} (pid ${kafka.pid}, data ${kafka.dataDir})`);
      const shutdown = () => kafka.stop().then(() => process.exit(0));
      process.on('SIGINT', shutdown);
      process.on('SIGTERM', shutdown);
    })
    .catch((error) => {
      console.error(error.message);
      process.exit(1);
    });
}
