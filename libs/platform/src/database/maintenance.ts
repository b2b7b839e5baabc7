import type { Pool } from 'pg';
import type { Logger } from '../logger';

/** What one round of maintenance did to one table. */
export interface TableMaintained {
  readonly table: string;
  readonly action: 'vacuum' | 'analyze';
}

/**
 * Does autovacuum's job for some schemas when the server runs without it (`autovacuum = off`,
 * as on our reference machine). Without it the tables are never analyzed, so the planner keeps
 * the guesses it made on empty tables (hash joins over every open fact, JIT for index probes),
 * and the dead rows of upserted read models are never reclaimed: every batch gets slower as
 * the store grows. Tables are chosen by the server's own autovacuum thresholds. With autovacuum
 * on, this does nothing.
 */
export class TableMaintenance {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly pool: Pool,
    private readonly schemas: readonly string[],
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  /** Rounds every `intervalMs`; 0 turns maintenance off. */
  start(): void {
    if (this.intervalMs === 0) return;
    this.timer = setInterval(() => {
      this.running = this.runOnce().catch((error) => this.logger.warn({ err: error }, 'table maintenance failed'));
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One round: VACUUM (ANALYZE) or ANALYZE the tables past their thresholds, one at a time. */
  async runOnce(): Promise<TableMaintained[]> {
    const { rows } = await this.pool.query<{ autovacuum: string; table_name: string; vacuum: boolean; analyze: boolean }>(
      `WITH t AS (
         SELECT format('%I.%I', s.schemaname, s.relname) AS table_name, greatest(c.reltuples, 0) AS tuples,
                s.n_dead_tup, s.n_ins_since_vacuum, s.n_mod_since_analyze
           FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
          WHERE s.schemaname = ANY($1::text[]))
       SELECT current_setting('autovacuum') AS autovacuum, table_name,
              n_dead_tup > current_setting('autovacuum_vacuum_threshold')::float8
                           + current_setting('autovacuum_vacuum_scale_factor')::float8 * tuples
              OR n_ins_since_vacuum > current_setting('autovacuum_vacuum_insert_threshold')::float8
                           + current_setting('autovacuum_vacuum_insert_scale_factor')::float8 * tuples AS vacuum,
              n_mod_since_analyze > current_setting('autovacuum_analyze_threshold')::float8
                           + current_setting('autovacuum_analyze_scale_factor')::float8 * tuples AS analyze
         FROM t`,
      [this.schemas],
    );
    const done: TableMaintained[] = [];
    for (const row of rows) {
      if (row.autovacuum === 'on') break;
      if (!row.vacuum && !row.analyze) continue;
      const action = row.vacuum ? 'vacuum' : 'analyze';
      const started = Date.now();
      await this.pool.query(action === 'vacuum' ? `VACUUM (ANALYZE) ${row.table_name}` : `ANALYZE ${row.table_name}`);
      this.logger.debug({ table: row.table_name, action, ms: Date.now() - started }, 'table maintained');
      done.push({ table: row.table_name, action });
    }
    return done;
  }
}
