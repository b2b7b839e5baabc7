'use strict';
/**
 * A single-node Apache Kafka broker (KRaft, no ZooKeeper) assembled from Maven Central jars.
 *
 *   node deploy/kafka-local/kafka.js        runs one in the foreground until Ctrl-C
 *
 * Environment: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_DATA_DIR
 * (.local/kafka-data), KAFKA_VERSION (3.9.2), KAFKA_HEAP (512m), KAFKA_USERS_FILE
 * (.local/kafka-users.json).
 * Used as a library by scripts/start.js, scripts/test.js and tests that stop and restart a broker.
 *
 * The broker is closed: clients authenticate with SASL/SCRAM-SHA-512 as one of `users` (the
 * credentials are in the cluster's metadata from the moment it is formatted) and are
 * authorized by ACL (StandardAuthorizer); only `admin` is a super user. The controller
 * listener takes SASL/PLAIN with the admin's password alone, so no anonymous connection is
 * trusted anywhere. Passwords are written only to the broker's own properties file (mode 600)
 * and never logged.
 */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const crypto = require('node:crypto');

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

/** The SASL mechanism of the client listener, as the JVM and kafkajs name it. */
const SCRAM = 'SCRAM-SHA-512';

function writeConfig(dir, port, controllerPort, users) {
  const admin = users.admin;
  const properties = [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=CLIENT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=CLIENT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=CLIENT',
    'listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,CLIENT:SASL_PLAINTEXT',
    `listener.name.client.sasl.enabled.mechanisms=${SCRAM}`,
    `sasl.mechanism.inter.broker.protocol=${SCRAM}`,
    `listener.name.client.${SCRAM.toLowerCase()}.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${admin}";`,
    // SCRAM credentials live in the metadata the controller serves, so the controller's own
    // listener authenticates with a password it knows before any metadata: PLAIN, admin only.
    'listener.name.controller.sasl.enabled.mechanisms=PLAIN',
    'sasl.mechanism.controller.protocol=PLAIN',
    `listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="${admin}" user_admin="${admin}";`,
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users=User:admin',
    'allow.everyone.if.no.acl.found=false',
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
  fs.writeFileSync(file, properties + '\n', { mode: 0o600 });
  fs.chmodSync(file, 0o600);
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

/** The principals every deployment has: the super user, the two services that use Kafka, and BI. */
const SERVICE_USERS = ['admin', 'relay', 'projector', 'bi'];

const newPassword = () => crypto.randomBytes(24).toString('base64url');

/** A password for each name, random (the test runs' brokers). */
function generateUsers(names = SERVICE_USERS) {
  return Object.fromEntries(names.map((name) => [name, newPassword()]));
}

/**
 * The users of a checkout's broker, kept in `file` (mode 600): generated once, a password
 * added for each name not there yet. Never printed.
 */
function usersFromFile(file, names = SERVICE_USERS) {
  const users = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  const missing = names.filter((name) => typeof users[name] !== 'string');
  if (missing.length > 0) {
    for (const name of missing) users[name] = newPassword();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(users, null, 2) + '\n', { mode: 0o600 });
  }
  fs.chmodSync(file, 0o600);
  return users;
}

const USER_NAME = /^[A-Za-z0-9._-]+$/;

/** What the data folder was formatted with: each user's name and a hash of its password, never the password. */
function usersFingerprint(users) {
  const hash = (password) => crypto.createHash('sha256').update(password).digest('hex');
  return JSON.stringify(
    Object.fromEntries(
      Object.keys(users)
        .sort()
        .map((name) => [name, hash(users[name])]),
    ),
  );
}

/**
 * Starts a broker and resolves once it accepts clients. Returns {brokers, pid, stop()}.
 * The data folder survives a stop unless `ephemeral` (then it is removed by stop()).
 * `users` maps each SCRAM user to its password and must hold `admin`. A data folder formatted
 * with other users (or before the broker required authentication) is formatted again: the
 * local broker's topics are a copy of the event store, and the services publish anew.
 */
async function startKafka(options = {}) {
  ensureJars(options.version);
  const users = options.users;
  if (!users || typeof users.admin !== 'string') throw new Error('startKafka: users must include admin');
  for (const [name, password] of Object.entries(users)) {
    if (!USER_NAME.test(name) || !/^[A-Za-z0-9_-]{16,}$/.test(password)) {
      throw new Error(
        `startKafka: user ${name} needs a name of letters, digits, '.', '_' or '-' and a password of 16 or more of [A-Za-z0-9_-]`,
      );
    }
  }
  const dir = path.resolve(options.dataDir || process.env.KAFKA_DATA_DIR || path.join(ROOT, '.local', 'kafka-data'));
  const port = options.port ?? (Number(process.env.KAFKA_PORT) || 9092);
  const controllerPort = options.controllerPort ?? (Number(process.env.KAFKA_CONTROLLER_PORT) || 9093);
  fs.mkdirSync(dir, { recursive: true });
  const config = writeConfig(dir, port, controllerPort, users);
  const classpath = `${LIB}/*`;
  const logOption = `-Dlog4j.configuration=file:${path.join(dir, 'log4j.properties')}`;

  const formattedWith = path.join(dir, 'scram-users.json');
  const fingerprint = usersFingerprint(users);
  const formatted = fs.existsSync(path.join(dir, 'logs', 'meta.properties'));
  if (formatted && (!fs.existsSync(formattedWith) || fs.readFileSync(formattedWith, 'utf8') !== fingerprint)) {
    console.log(
      `kafka: ${dir} was formatted with other users; formatting it again (its topics are republished from the store as the services go on)`,
    );
    fs.rmSync(path.join(dir, 'logs'), { recursive: true, force: true });
  }
  if (!fs.existsSync(path.join(dir, 'logs', 'meta.properties'))) {
    const clusterId = crypto.randomBytes(16).toString('base64url');
    const scram = Object.entries(users).flatMap(([name, password]) => ['--add-scram', `${SCRAM}=[name=${name},password=${password}]`]);
    const format = spawnSync(
      'java',
      [logOption, '-cp', classpath, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', config, ...scram],
      {
        encoding: 'utf8',
      },
    );
    if (format.status !== 0) throw new Error(`kafka storage format failed: ${hidePasswords(format.stderr || format.stdout, users)}`);
    fs.writeFileSync(formattedWith, fingerprint, { mode: 0o600 });
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
  await waitForMetadata(brokers, users.admin, deadline);

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
async function waitForMetadata(brokers, adminPassword, deadline) {
  const { Kafka, logLevel } = require('kafkajs');
  const admin = new Kafka({
    clientId: 'kafka-local-ready',
    brokers: [brokers],
    sasl: { mechanism: 'scram-sha-512', username: 'admin', password: adminPassword },
    logLevel: logLevel.NOTHING,
  }).admin();
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

/** A tool's output with every password replaced, for error messages. */
function hidePasswords(text, users) {
  return Object.values(users).reduce((out, password) => out.split(password).join('***'), String(text));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

module.exports = { ensureJars, startKafka, freePort, generateUsers, usersFromFile, SERVICE_USERS };

if (require.main === module) {
  const usersFile = path.resolve(process.env.KAFKA_USERS_FILE || path.join(ROOT, '.local', 'kafka-users.json'));
  startKafka({ users: usersFromFile(usersFile) })
    .then((kafka) => {
      console.log(
        `kafka: ready at ${kafka.brokers} (pid ${kafka.pid}, data ${kafka.dataDir}); SASL/SCRAM-SHA-512, passwords in ${usersFile}`,
      );
      const shutdown = () => kafka.stop().then(() => process.exit(0));
      process.on('SIGINT', shutdown);
      process.on('SIGTERM', shutdown);
    })
    .catch((error) => {
      console.error(error.message);
      process.exit(1);
    });
}
