import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { Client } from 'pg';
import { DATABASE_SCHEMA } from '@app/migrations';
import { openDataSource, poolOf } from '@app/platform';
import { PostgresEventStore } from '@app/event-store';
import { rebuildReadModels } from '@app/read-models';
import { loadReferenceData } from '@app/reference-data';
import { buildDataset } from './dataset';
import { ingestThroughput, p, queryLatencies, steadyLoad, type Api } from './pipeline';
import { startServices } from './services';
import { baselineInsert, oursAppend, peerAppend } from './store-append';
import { batchValidationCost } from './validation';
import { ledgerImportSeconds, ledgerWorkbook } from './ledger-import';
import { cockpitRender } from './cockpit';
import { figure, repeat, type Figure } from './stats';

/**
 * `npm run bench [-- --smoke] [-- --json out.json] [-- --only append,validation,pipeline,ledger,large]`: the benchmark suite of BENCHMARKS.md on
 * the real PostgreSQL and Kafka (scripts/bench.js provides them). Every figure is the
 * median of at least 3 runs, with min and max.
 */
const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const jsonFile = args.includes('--json') ? args[args.indexOf('--json') + 1] : null;
const RUNS = 3;
/** `--only append,pipeline,large`: run some sections of the suite (all by default). */
const only = args.includes('--only')
  ? args[args.indexOf('--only') + 1].split(',')
  : ['append', 'validation', 'pipeline', 'ledger', 'large'];

const SIZES = smoke
  ? {
      appendProjects: 800,
      ingestProjects: 1000,
      largeProjects: 1500,
      loadSeconds: 3,
      confirmSeconds: 3,
      rates: [1000],
      e2eSeconds: 3,
      ledgerRows: 300,
    }
  : {
      appendProjects: 8000,
      ingestProjects: 12000,
      largeProjects: 150_000,
      loadSeconds: 20,
      confirmSeconds: 60,
      rates: [1000, 2000, 3000, 4000, 6000, 8000],
      e2eSeconds: 30,
      ledgerRows: 10_000,
    };

const TARGETS: Record<string, string> = {
  ingest_events_per_s: '≥ 20,000',
  sustained_events_per_s: '≥ 8,000',
  e2e_p50_ms: '—',
  e2e_p99_ms: '≤ 200',
  rebuild_events_per_s: '≥ 50,000',
  kpi_query_p99_ms: '≤ 10',
  kpi_query_p99_under_load_ms: '≤ 25',
  asof_query_ms: '≤ 1,000',
  kpi_changes_year_ms: '< 3,000',
  baseline_pg_events_per_s: '—',
  ours_append_events_per_s: '≥ peer',
  peer_append_events_per_s: '—',
  dto_validate_1000_ms: '—',
  ledger_import_s: '< 60 for 10,000 rows',
  cockpit_render_ms: '≤ 1,000',
  cockpit_past_render_ms: '≤ 2,000',
  cockpit_js_kb: '≤ 400',
  domain_parse_1000_ms: '—',
};

async function main(): Promise<void> {
  const reference = loadReferenceData();
  const serverUrl = process.env.BENCH_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const runId = `bench_${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const databases: string[] = [];
  const database = async (suffix: string) => {
    const url = new URL(serverUrl);
    url.pathname = `/${runId}_${suffix}`;
    databases.push(url.pathname.slice(1));
    const dataSource = await openDataSource({ url: url.toString(), poolSize: 20 }, DATABASE_SCHEMA);
    return { url: url.toString(), pool: poolOf(dataSource), close: () => dataSource.destroy() };
  };
  const key = randomBytes(18).toString('base64url');
  const figures: Record<string, Figure> = {};
  const log = (line: string) => console.error(`bench: ${line}`);
  try {
    console.log(await machine(serverUrl));

    // 1. Appending to the store: the physical limit, ours and the peer, on one database.
    if (only.includes('append')) {
      log('store appends');
      const appendData = buildDataset(reference, { seed: 1, projects: SIZES.appendProjects, maxVisits: 6 });
      const appendDb = await database('append');
      figures.baseline_pg_events_per_s = await repeat(RUNS, () => baselineInsert(appendDb.pool, appendData.streams, 4));
      figures.ours_append_events_per_s = await repeat(RUNS, () => oursAppend(appendDb.pool, appendData.streams, 8));
      figures.peer_append_events_per_s = await repeat(RUNS, () => peerAppend(appendDb.url, appendData.streams, 8));
      await appendDb.close();
    }

    // 2. Checking a batch of 1,000 commands: the body DTOs against the domain's parser (no I/O).
    if (only.includes('validation')) {
      log('batch validation');
      const sample = buildDataset(reference, { seed: 3, projects: 400, maxVisits: 3 });
      const cost = await batchValidationCost(reference, sample.commands, smoke ? 3 : 15);
      figures.dto_validate_1000_ms = cost.dto;
      figures.domain_parse_1000_ms = cost.domain;
    }

    // 3. The whole pipeline in its own processes.
    if (only.includes('pipeline')) {
      const pipelineDb = await database('pipeline');
      await pipelineDb.close();
      const env = {
        ...process.env,
        DATABASE_URL: pipelineDb.url,
        ADMIN_API_KEY: key,
        RATE_LIMIT_PER_MINUTE: '0',
        KAFKA_TOPIC_PREFIX: `${runId}.`,
        LOG_LEVEL: 'warn',
        DATABASE_POOL_SIZE: '20',
      };
      const services = await startServices(env, ['ingest-api', 'relay', 'projector', 'query-api']);
      const api: Api = { ingestUrl: services.ingestUrl, queryUrl: services.queryUrl, key };
      try {
        log('ingest');
        figures.ingest_events_per_s = await repeat(RUNS, (i) =>
          ingestThroughput(api, buildDataset(reference, { seed: 100 + i, projects: SIZES.ingestProjects }).commands, 4),
        );
        await drain(api);

        log('sustained rate search');
        let best = 0;
        for (const rate of SIZES.rates) {
          const run = await steadyLoad(api, reference, {
            perSecond: rate,
            seconds: SIZES.loadSeconds,
            lanes: 4,
            batchSize: 500,
            seed: rate,
            measureKpis: false,
            measureE2e: false,
          });
          log(
            `  ${rate}/s offered: ${Math.round(run.achievedPerSecond)}/s committed, lag ${run.lag.join(' ')} → ${run.lagSteady ? 'steady' : 'growing'}`,
          );
          await drain(api);
          if (!run.lagSteady || run.achievedPerSecond < 0.95 * rate) break;
          best = rate;
        }
        if (best === 0) best = SIZES.rates[0] / 2;
        log(`sustained confirmation at ${best}/s`);
        const sustained: number[] = [];
        const kpiUnderLoad: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          const run = await steadyLoad(api, reference, {
            perSecond: best,
            seconds: SIZES.confirmSeconds,
            lanes: 4,
            batchSize: 500,
            seed: 7000 + i,
            measureKpis: true,
            measureE2e: false,
          });
          log(
            `  run ${i + 1}: ${Math.round(run.achievedPerSecond)}/s, lag ${run.lagSteady ? 'steady' : 'growing'}, kpi p99 ${p(run.kpiMs, 0.99).toFixed(1)} ms`,
          );
          sustained.push(run.lagSteady ? run.achievedPerSecond : 0);
          kpiUnderLoad.push(p(run.kpiMs, 0.99));
          await drain(api);
        }
        figures.sustained_events_per_s = figure(sustained);
        figures.kpi_query_p99_under_load_ms = figure(kpiUnderLoad);

        log(`end-to-end latency at ${best / 2}/s`);
        const p50: number[] = [];
        const p99: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          const run = await steadyLoad(api, reference, {
            perSecond: best / 2,
            seconds: SIZES.e2eSeconds,
            lanes: 4,
            batchSize: 100,
            seed: 9000 + i,
            measureKpis: false,
            measureE2e: true,
          });
          p50.push(p(run.e2eMs, 0.5));
          p99.push(p(run.e2eMs, 0.99));
          await drain(api);
        }
        figures.e2e_p50_ms = figure(p50);
        figures.e2e_p99_ms = figure(p99);
      } finally {
        await services.stop();
      }
    }

    // 4. 台账导入: a ledger of new projects through the console, as its page sends it.
    if (only.includes('ledger')) {
      log('ledger import');
      const ledgerDb = await database('ledger');
      await ledgerDb.close();
      const password = randomBytes(12).toString('base64url');
      const env = {
        ...process.env,
        DATABASE_URL: ledgerDb.url,
        ADMIN_API_KEY: key,
        CONSOLE_ADMIN_PASSWORD: password,
        KAFKA_TOPIC_PREFIX: `${runId}.ledger.`,
        LOG_LEVEL: 'warn',
      };
      const services = await startServices(env, ['relay', 'projector', 'console']);
      try {
        const rows = SIZES.ledgerRows;
        figures.ledger_import_s = await repeat(RUNS, async (i) =>
          ledgerImportSeconds(services.consoleUrl, password, await ledgerWorkbook(reference, rows, `r${i}`), rows),
        );
      } finally {
        await services.stop();
      }
    }

    // 5. A large store: rebuild, idle KPI queries and asOf.
    if (only.includes('large')) {
      log(`large store: generating ${SIZES.largeProjects} projects`);
      const large = buildDataset(reference, { seed: 42, projects: SIZES.largeProjects, maxVisits: 14 });
      const largeDb = await database('large');
      const store = new PostgresEventStore(largeDb.pool);
      log(`appending ${large.events} events`);
      for (let i = 0; i < large.streams.length; i += 200) await store.append(large.streams.slice(i, i + 200));
      log('rebuild');
      figures.rebuild_events_per_s = await repeat(RUNS, async () => {
        const started = performance.now();
        const result = await rebuildReadModels(largeDb.pool, reference);
        return result.events / ((performance.now() - started) / 1000);
      });
      const { rows } = await largeDb.pool.query('SELECT min(recorded_at) AS first, max(recorded_at) AS last FROM events');
      await largeDb.pool.query('VACUUM ANALYZE');
      await largeDb.close();
      const queryOnly = await startServices({ ...process.env, DATABASE_URL: largeDb.url, ADMIN_API_KEY: key, LOG_LEVEL: 'warn' }, [
        'query-api',
      ]);
      try {
        const queryApi: Api = { ingestUrl: '', queryUrl: queryOnly.queryUrl, key };
        const year = reference.plan.year;
        log('KPI queries, idle');
        figures.kpi_query_p99_ms = await repeat(RUNS, async () =>
          p(await queryLatencies(queryApi, Array(smoke ? 100 : 500).fill(`/v1/kpis?year=${year}`)), 0.99),
        );
        const span = [rows[0].first.getTime(), rows[0].last.getTime()];
        const asOfPaths = Array.from(
          { length: smoke ? 5 : 20 },
          (_, i) => `/v1/kpis?year=${year}&asOf=${new Date(span[0] + ((i + 0.5) / (smoke ? 5 : 20)) * (span[1] - span[0])).toISOString()}`,
        );
        log('asOf queries');
        figures.asof_query_ms = await repeat(RUNS, async () => p(await queryLatencies(queryApi, asOfPaths, 2), 0.5));
        // What moved the year's signed total over the whole store: every signing and correction of the year.
        log('KPI changes over the year');
        const before = new Date(rows[0].first.getTime() - 1).toISOString();
        figures.kpi_changes_year_ms = await repeat(RUNS, async () =>
          p(await queryLatencies(queryApi, [`/v1/kpis/changes?year=${year}&code=signed_total_wan&from=${before}`], 1), 0.5),
        );
        console.log(`\nlarge store: ${large.events} events, ${SIZES.largeProjects} projects`);
      } finally {
        await queryOnly.stop();
      }

      // The cockpit on the same store, in Chromium: the board as it stands, and as recorded on the day the store was written.
      log('cockpit');
      const password = randomBytes(12).toString('base64url');
      const consoleOnly = await startServices(
        { ...process.env, DATABASE_URL: largeDb.url, CONSOLE_ADMIN_PASSWORD: password, LOG_LEVEL: 'warn' },
        ['console'],
      );
      try {
        const day = new Date(rows[0].last.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
        const cockpit = await cockpitRender(consoleOnly.consoleUrl, password, day, smoke ? 3 : 10);
        figures.cockpit_render_ms = cockpit.currentMs;
        figures.cockpit_past_render_ms = cockpit.pastMs;
        figures.cockpit_js_kb = figure([cockpit.scriptKb]);
      } finally {
        await consoleOnly.stop();
      }
    }
  } finally {
    await dropDatabases(serverUrl, databases);
  }

  printTable(figures);
  const ratio = (a: string, b: string) => (figures[a] && figures[b] ? figures[a].median / figures[b].median : null);
  const ratios = {
    ingest_vs_baseline: ratio('ingest_events_per_s', 'baseline_pg_events_per_s'),
    ours_vs_peer_append: ratio('ours_append_events_per_s', 'peer_append_events_per_s'),
  };
  console.log(
    `\ningest / baseline = ${ratios.ingest_vs_baseline?.toFixed(3) ?? '—'}   ours / peer append = ${ratios.ours_vs_peer_append?.toFixed(2) ?? '—'}`,
  );
  if (jsonFile) {
    writeFileSync(jsonFile, JSON.stringify({ smoke, machine: await machine(serverUrl), figures, ratios }, null, 2));
    console.log(`figures written to ${jsonFile}`);
  }
}

/** Waits until the projections have caught up, so that one measurement does not pay for the last. */
async function drain(api: Api): Promise<void> {
  const headers = { authorization: `Bearer ${api.key}` };
  for (;;) {
    const status = (await fetch(`${api.queryUrl}/v1/projections/status`, { headers }).then((r) => r.json())) as {
      projections: { lagEvents: number }[];
    };
    if (status.projections[0].lagEvents === 0) return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function machine(serverUrl: string): Promise<string> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  const { rows } = await client.query('SHOW server_version');
  await client.end();
  return `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}; Node ${process.version}; PostgreSQL ${rows[0].server_version}; Kafka ${process.env.KAFKA_VERSION || '3.9.2'}${smoke ? '; SMOKE RUN (small sizes)' : ''}`;
}

function printTable(figures: Record<string, Figure>): void {
  const format = (name: string, value: number) =>
    name.endsWith('_ms') || name.endsWith('_s') || name.endsWith('_kb') ? value.toFixed(1) : Math.round(value).toLocaleString('en-US');
  console.log(`\n${'name'.padEnd(30)} ${'median'.padStart(10)} ${'min'.padStart(10)} ${'max'.padStart(10)}   target`);
  for (const name of Object.keys(TARGETS)) {
    const f = figures[name];
    if (!f) continue;
    console.log(
      `${name.padEnd(30)} ${format(name, f.median).padStart(10)} ${format(name, f.min).padStart(10)} ${format(name, f.max).padStart(10)}   ${TARGETS[name]}`,
    );
  }
}

async function dropDatabases(serverUrl: string, names: readonly string[]): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  for (const name of names) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await client.end();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
