import { isIP } from 'node:net';

/**
 * Configuration from the environment, checked once at start: a wrong value stops the app
 * with a message naming the variable. Defaults suit a developer's machine.
 */
export interface Config {
  readonly databaseUrl: string;
  readonly databasePoolSize: number;
  /** Empty when KAFKA_BROKERS is unset; the apps that talk to Kafka require it (the start command sets it). */
  readonly kafkaBrokers: readonly string[];
  readonly kafkaTopicPrefix: string;
  readonly kafkaPartitions: number;
  /** SASL/SCRAM-SHA-512 credentials of this service's principal (KAFKA_USERNAME, KAFKA_PASSWORD); null: none sent. */
  readonly kafkaCredentials: KafkaCredentials | null;
  /** EVENT_SIGNING_KEYS: the first signs the envelopes the relay publishes, all verify; empty when unset. */
  readonly eventSigningKeys: readonly SigningKey[];
  readonly ingestPort: number;
  readonly queryPort: number;
  /** The console (pages and the APIs of the logged-in person). */
  readonly consolePort: number;
  /** The console's address as people reach it (CONSOLE_PUBLIC_URL); https makes its cookies Secure. */
  readonly consolePublicUrl: string | null;
  /** The first admin's password (CONSOLE_ADMIN_PASSWORD); null: generated once into consoleAdminPasswordFile. */
  readonly consoleAdminPassword: string | null;
  readonly consoleAdminPasswordFile: string;
  /** Status ports (GET /health, GET /metrics) of the background services. */
  readonly relayPort: number;
  readonly projectorPort: number;
  /** Address the HTTP services listen on (HOST; 127.0.0.1 by default, 0.0.0.0 in containers). */
  readonly host: string;
  /** Null when unset: the HTTP apps then use the one in `adminApiKeyFile`, generated there once (development). */
  readonly adminApiKey: string | null;
  readonly adminApiKeyFile: string;
  /**
   * Whose `X-Forwarded-For` to believe (Fastify's trustProxy): false (the socket's address), a
   * hop count, or the proxies' addresses and CIDRs. Never `true`: that believes any forged header.
   */
  readonly trustProxy: false | number | string[];
  /** Requests whose credentials fail, per client address and minute, before 429. */
  readonly failedAuthPerMinute: number;
  /** Idempotency answers older than this are purged. */
  readonly idempotencyRetentionDays: number;
  /** A relay that has not renewed its lease for this long is replaced by a standby. */
  readonly relayLeaseMs: number;
  readonly rateLimitPerMinute: number;
  readonly bodyLimitBytes: number;
  /** A request must send its headers within this time, and all of itself within requestTimeoutMs (contract §6: 10 s, 30 s). */
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** Lowers the largest event payload the write side accepts (never above what the topics accept); null: that limit. */
  readonly maxEventBytes: number | null;
  /** How often, at most, the projector recomputes the KPI snapshots it publishes to Kafka. */
  readonly kpiSnapshotIntervalMs: number;
  /** How often the relay and the projector check their tables for VACUUM / ANALYZE when the server's autovacuum is off (0: never). */
  readonly tableMaintenanceIntervalMs: number;
  /** How long a read with `minPosition` waits for the projections before answering 503. */
  readonly minPositionWaitMs: number;
  readonly logLevel: string;
}

export interface KafkaCredentials {
  readonly username: string;
  readonly password: string;
}

/** A key that signs or verifies event envelopes: its id (the `kid` header) and its secret. */
export interface SigningKey {
  readonly kid: string;
  readonly secret: string;
}

export class ConfigError extends Error {}

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/investment';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name}=${raw}: must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };
  const databaseUrl = env.DATABASE_URL || DEFAULT_DATABASE_URL;
  if (!/^postgres(ql)?:\/\/[^/]+\/[^/?]+/.test(databaseUrl)) {
    problems.push(`DATABASE_URL=${databaseUrl}: must be postgres://user@host:port/database`);
  }
  const kafkaBrokers = (env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  for (const broker of kafkaBrokers) {
    if (!/^[^:\s]+:\d+$/.test(broker)) problems.push(`KAFKA_BROKERS: ${broker} must be host:port`);
  }
  const kafkaTopicPrefix = env.KAFKA_TOPIC_PREFIX ?? '';
  if (!/^[A-Za-z0-9._-]*$/.test(kafkaTopicPrefix)) {
    problems.push(`KAFKA_TOPIC_PREFIX=${kafkaTopicPrefix}: only letters, digits, '.', '_' and '-'`);
  }
  const kafkaCredentials = parseKafkaCredentials(env, problems);
  const eventSigningKeys = parseSigningKeys(env.EVENT_SIGNING_KEYS, problems);
  const adminApiKey = env.ADMIN_API_KEY || null;
  const trustProxy = parseTrustProxy(env.TRUST_PROXY, problems);
  if (adminApiKey !== null && adminApiKey.length < 16) problems.push('ADMIN_API_KEY: must be at least 16 characters');
  const logLevel = env.LOG_LEVEL || 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    problems.push(`LOG_LEVEL=${logLevel}: must be fatal, error, warn, info, debug, trace or silent`);
  }
  const config: Config = {
    databaseUrl,
    databasePoolSize: int('DATABASE_POOL_SIZE', 10, 1, 200),
    kafkaBrokers,
    kafkaTopicPrefix,
    kafkaPartitions: int('KAFKA_PARTITIONS', 6, 1, 1000),
    kafkaCredentials,
    eventSigningKeys,
    ingestPort: int('INGEST_PORT', 3000, 0, 65535),
    queryPort: int('QUERY_PORT', 3001, 0, 65535),
    consolePort: int('CONSOLE_PORT', 3002, 0, 65535),
    consolePublicUrl: publicUrl(env.CONSOLE_PUBLIC_URL, problems),
    consoleAdminPassword: env.CONSOLE_ADMIN_PASSWORD || null,
    consoleAdminPasswordFile: env.CONSOLE_ADMIN_PASSWORD_FILE || '.local/console-admin-password',
    relayPort: int('RELAY_PORT', 3003, 0, 65535),
    projectorPort: int('PROJECTOR_PORT', 3004, 0, 65535),
    host: env.HOST || '127.0.0.1',
    adminApiKey,
    adminApiKeyFile: env.ADMIN_API_KEY_FILE || '.local/admin-api-key',
    trustProxy,
    failedAuthPerMinute: int('FAILED_AUTH_PER_MINUTE', 100, 1, 1_000_000),
    idempotencyRetentionDays: int('IDEMPOTENCY_RETENTION_DAYS', 30, 1, 36_500),
    relayLeaseMs: int('RELAY_LEASE_MS', 5_000, 1_000, 600_000),
    rateLimitPerMinute: int('RATE_LIMIT_PER_MINUTE', 6000, 0, 100_000_000),
    kpiSnapshotIntervalMs: int('KPI_SNAPSHOT_INTERVAL_MS', 5_000, 100, 3_600_000),
    tableMaintenanceIntervalMs: int('TABLE_MAINTENANCE_INTERVAL_MS', 10_000, 0, 3_600_000),
    minPositionWaitMs: int('MIN_POSITION_WAIT_MS', 10_000, 0, 600_000),
    maxEventBytes: env.MAX_EVENT_BYTES ? int('MAX_EVENT_BYTES', 0, 1024, 1024 * 1024 * 1024) : null,
    headersTimeoutMs: int('HEADERS_TIMEOUT_MS', 10_000, 1_000, 600_000),
    requestTimeoutMs: int('REQUEST_TIMEOUT_MS', 30_000, 1_000, 3_600_000),
    bodyLimitBytes: int('BODY_LIMIT_BYTES', 8 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    logLevel,
  };
  if (config.headersTimeoutMs > config.requestTimeoutMs) problems.push('HEADERS_TIMEOUT_MS: must not exceed REQUEST_TIMEOUT_MS');
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n- ${problems.join('\n- ')}`);
  return config;
}

/** Both or neither; the messages never show a password. */
function parseKafkaCredentials(env: NodeJS.ProcessEnv, problems: string[]): KafkaCredentials | null {
  const username = env.KAFKA_USERNAME ?? '';
  const password = env.KAFKA_PASSWORD ?? '';
  if (username === '' && password === '') return null;
  if (username === '' || password === '') {
    problems.push('KAFKA_USERNAME and KAFKA_PASSWORD: set both (a SASL/SCRAM-SHA-512 principal of the broker) or neither');
    return null;
  }
  if (!/^[A-Za-z0-9._-]+$/.test(username)) problems.push(`KAFKA_USERNAME=${username}: only letters, digits, '.', '_' and '-'`);
  return { username, password };
}

/** Shortest secret accepted: 32 characters, as many bytes as the HMAC-SHA256 output. */
export const MIN_SIGNING_SECRET_LENGTH = 32;

/**
 * `kid:secret[,kid:secret…]`: the first signs, all verify. The messages name a key by its id, never its secret.
 */
export function parseSigningKeys(raw: string | undefined, problems: string[]): SigningKey[] {
  if (raw === undefined || raw.trim() === '') return [];
  const keys: SigningKey[] = [];
  for (const [index, pair] of raw.split(',').entries()) {
    const colon = pair.indexOf(':');
    const kid = colon < 0 ? '' : pair.slice(0, colon).trim();
    const secret = colon < 0 ? '' : pair.slice(colon + 1).trim();
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(kid)) {
      problems.push(`EVENT_SIGNING_KEYS: key ${index + 1} must be kid:secret, the kid of 1 to 64 letters, digits, '.', '_' or '-'`);
    } else if (secret.length < MIN_SIGNING_SECRET_LENGTH) {
      problems.push(`EVENT_SIGNING_KEYS: the secret of key ${kid} must have at least ${MIN_SIGNING_SECRET_LENGTH} characters`);
    } else if (keys.some((key) => key.kid === kid)) {
      problems.push(`EVENT_SIGNING_KEYS: the kid ${kid} appears twice`);
    } else keys.push({ kid, secret });
  }
  return keys;
}

function publicUrl(raw: string | undefined, problems: string[]): string | null {
  if (raw === undefined || raw === '') return null;
  if (!/^https?:\/\/[^\s/]+/.test(raw)) {
    problems.push(`CONSOLE_PUBLIC_URL=${raw}: must be an http:// or https:// address`);
    return null;
  }
  return raw.replace(/\/+$/, '');
}

/**
 * TRUST_PROXY: the client address is the one the hop count or the proxies' list designates in
 * `X-Forwarded-For`. A bare `true` (every hop trusted) would let a client choose its own address
 * — to escape the login limits and to forge the audit log — so it stops the service.
 */
function parseTrustProxy(raw: string | undefined, problems: string[]): false | number | string[] {
  const value = raw?.trim() ?? '';
  if (value === '' || value === 'false' || value === '0') return false;
  if (value === 'true') {
    problems.push(
      'TRUST_PROXY=true: trusts every X-Forwarded-For hop a client sends; give the number of proxies in front (1) or their addresses',
    );
    return false;
  }
  if (/^\d+$/.test(value)) {
    if (Number(value) > 10) problems.push(`TRUST_PROXY=${value}: a hop count from 0 to 10`);
    return Number(value);
  }
  const proxies = value.split(',').map((p) => p.trim());
  const bad = proxies.filter((p) => !isAddressOrCidr(p));
  if (bad.length > 0) {
    problems.push(
      `TRUST_PROXY=${raw}: must be false, a hop count or proxy addresses (IPs or CIDRs, comma-separated); not ${bad.join(', ')}`,
    );
    return false;
  }
  return proxies;
}

function isAddressOrCidr(text: string): boolean {
  const [address, prefix, ...rest] = text.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

export function requireKafkaBrokers(config: Config): readonly string[] {
  if (config.kafkaBrokers.length === 0) {
    throw new ConfigError('KAFKA_BROKERS is not set: give host:port[,host:port], or start the stack with `npm start`');
  }
  return config.kafkaBrokers;
}

/** The keys the relay signs with and the projector verifies with (EVENT_SIGNING_KEYS). */
export function requireSigningKeys(config: Config): readonly SigningKey[] {
  if (config.eventSigningKeys.length === 0) {
    throw new ConfigError('EVENT_SIGNING_KEYS is not set: give kid:secret[,kid:secret], or start the stack with `npm start`');
  }
  return config.eventSigningKeys;
}
