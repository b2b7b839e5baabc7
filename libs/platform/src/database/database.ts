import { Client, Pool, type ClientConfig, type PoolConfig } from 'pg';
import { retryTransient } from './transient';

/**
 * Sessions never sit idle inside a transaction for long: such a session would hold back
 * every reader of the store and vacuum (DESIGN: the xmin horizon). KPI queries count
 * distinct investors and projects: work_mem lets them do it in memory. JIT compilation is off:
 * our statements are short index probes and batch writes whose estimated cost (large on a
 * table not yet analyzed) triggers a compilation of 100–250 ms that the query itself never
 * needed (the stream read of a 1,000-command batch: 2 ms of work, 120 ms of JIT).
 */
const SESSION_OPTIONS = '-c idle_in_transaction_session_timeout=60000 -c statement_timeout=120000 -c work_mem=32MB -c jit=off';

export function createPool(databaseUrl: string, max: number, extra: PoolConfig = {}): Pool {
  const pool = new Pool({ connectionString: databaseUrl, max, ...POOL_EXTRA, connectionTimeoutMillis: 10_000, ...extra });
  hardenPool(pool);
  return pool;
}

/**
 * A client that loses its connection must not crash the process: an idle one is replaced by
 * the pool, a checked-out one fails its next query (and a LISTEN holder sees its own 'error').
 * Set from construction on, so that no client is ever without a listener.
 */
class ErrorTolerantClient extends Client {
  constructor(config?: ClientConfig) {
    super(config);
    this.on('error', () => undefined);
  }
}

/** The pool options of every pool of ours, whoever creates it (createPool, or a TypeORM DataSource as `extra`). */
export const POOL_EXTRA = { options: SESSION_OPTIONS, Client: ErrorTolerantClient };

/** What every pool of ours gets once created. */
export function hardenPool(pool: Pool): void {
  pool.on('error', () => undefined);
  retryReadsOnTransientErrors(pool);
}

/**
 * `pool.query` of a read (a statement that starts with SELECT) is tried again on a transient
 * error: a lost connection or a restarting server costs a reader a short wait, not an error.
 * Writes are not: whether a write that lost its connection committed is for its caller to
 * find out (the event store does, by the event ids it wrote).
 */
function retryReadsOnTransientErrors(pool: Pool): void {
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  (pool as { query: unknown }).query = (...args: unknown[]) => {
    const first = args[0] as string | { text?: string };
    const text = typeof first === 'string' ? first : (first?.text ?? '');
    if (typeof args[args.length - 1] === 'function' || !/^\s*SELECT\b/i.test(text)) return query(...args);
    return retryTransient(() => query(...args));
  };
}

/** Creates the database named in the URL when it is missing (connecting to `postgres` on the same server). */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) {
      await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((error: { code?: string }) => {
        // 42P04, or 23505 from the catalog: created meanwhile by another process starting beside this one.
        if (error.code !== '42P04' && error.code !== '23505') throw error;
      });
    }
  } finally {
    await admin.end();
  }
}
