import { resolve } from 'node:path';
import { KPI_STATUS_NAMES, periodBounds } from '@app/domain';
import { adminKeyFromFile, loadConfig } from '@app/platform';
import type { KpiResult } from '@app/read-models';
import { loadReferenceData } from '@app/reference-data';
import { integrityCases, syntheticYearParts, type Command } from '@app/synthetic';

/**
 * `npm run demo` (with the system running, e.g. `npm start`; or `npm start -- --demo`):
 * posts a seeded synthetic year through the public API, waits for the projections, and
 * prints the year's KPI report against the plan.
 * Options: --projects N (3000), --seed N (2025).
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: number) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const config = loadConfig();
  // The key the running system uses: ADMIN_API_KEY, else the development key file that `npm start` keeps.
  const key = config.adminApiKey ?? adminKeyFromFile(resolve(config.adminApiKeyFile));
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  const ingest = `http://${host}:${config.ingestPort}`;
  const query = `http://${host}:${config.queryPort}`;
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  await waitForHealth(ingest);
  await waitForHealth(query);

  const reference = loadReferenceData();
  const year = reference.plan.year;
  const parts = syntheticYearParts(reference, {
    seed: option('seed', 2025),
    year,
    projects: option('projects', 3000),
    notAfter: new Date(),
  });
  const all = [...parts.ordered, ...parts.late, ...parts.corrections];
  const planted = integrityCases(reference, all, new Date().toISOString());
  console.log(`posting ${all.length + planted.length} commands of a synthetic ${year} (seed ${option('seed', 2025)}) to ${ingest}…`);
  let position = 0;
  const refused = new Map<string, number>();
  const started = Date.now();
  const post = async (commands: readonly Command[]) => {
    for (let i = 0; i < commands.length; i += 1000) {
      const response = await fetch(`${ingest}/v1/batch`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ commands: commands.slice(i, i + 1000) }),
      });
      if (response.status !== 200) throw new Error(`batch answered ${response.status}: ${await response.text()}`);
      const { results } = (await response.json()) as {
        results: { status: number; body: { position?: number; error?: { code: string } } }[];
      };
      for (const r of results) {
        if (r.status === 201) position = Math.max(position, r.body.position!);
        else refused.set(r.body.error?.code ?? String(r.status), (refused.get(r.body.error?.code ?? String(r.status)) ?? 0) + 1);
      }
    }
  };
  // The first two quarters as the bureau reports them: recorded by the deadline, then closed (关账);
  // what comes after — late entries, corrections, the planted cases — is what the close makes visible.
  let next = 0;
  for (const quarter of [1, 2] as const) {
    const end = periodBounds({ kind: 'quarter', year, quarter }, reference.timezone).end.getTime();
    const upTo = parts.ordered.findIndex((c, i) => i >= next && Date.parse(c.occurredAt) >= end);
    const stop = upTo < 0 ? parts.ordered.length : upTo;
    await post(parts.ordered.slice(next, stop));
    next = stop;
    const close = await fetch(`${ingest}/v1/periods/${year}-Q${quarter}/close`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ reason: `${quarter === 1 ? '一' : '二'}季度关账` }),
    });
    console.log(`closed ${year}-Q${quarter}: ${close.status === 201 ? 'ok' : `${close.status} ${await close.text()}`}`);
  }
  await post(parts.ordered.slice(next));
  await post([...parts.late, ...parts.corrections, ...planted]);
  console.log(
    `stored through position ${position} in ${((Date.now() - started) / 1000).toFixed(1)} s${refused.size ? `; refused: ${JSON.stringify(Object.fromEntries(refused))}` : ''}`,
  );

  const report = await fetchKpiReport(`${query}/v1/kpis?year=${year}&minPosition=${position}`, headers, 120_000);
  const units = await fetchKpiReport(`${query}/v1/kpis/units?year=${year}`, headers);
  const mega = units.kpis.filter((k) => k.code === 'unit.mega_signed_count');
  const consoleUrl = `http://${host}:${config.consolePort}`;
  const summary = [
    `\n${reference.plan.name} — ${year} (as of ${report.asOf})\n`,
    ...tableLines(report.kpis),
    `\nunits with a major project (unit.mega_signed_count met): ${mega.filter((k) => k.status === 'met').length} of ${mega.length}`,
    `\nthe cockpit (驾驶舱): ${consoleUrl}/#/cockpit?period=${year}`,
    `Q1 as reported and restated: ${consoleUrl}/#/cockpit?period=${year}-Q1`,
    `数据质量: ${consoleUrl}/#/quality`,
    `more: ${query}/v1/kpis/units?year=${year}, ${query}/v1/kpis.csv?year=${year}, ${query}/v1/reports/monthly.xlsx?year=${year}&month=6, ${query}/docs`,
  ];
  // The apps beside the demo (npm start -- --demo) log a line per request to the same terminal: the
  // report waits until they have logged the demo's last calls, then goes out in one write, not between their lines.
  await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
  process.stdout.write(`${summary.join('\n')}\n`);
}

/** How long the demo waits for the apps' request logs of its last calls before it prints the report. */
const QUIET_MS = 1500;

/** The KPI table, one line per KPI, columns aligned (a Chinese character is two columns wide). */
function tableLines(kpis: readonly KpiResult[]): string[] {
  const rows = kpis.map((k) => [
    k.label,
    k.actual === null ? '—' : Number.isInteger(k.actual) ? k.actual.toLocaleString('en-US') : k.actual.toFixed(3),
    k.target === null ? '—' : `${k.comparator} ${k.target.toLocaleString('en-US')}`,
    k.progress === null ? '—' : `${(k.progress * 100).toFixed(1)}%`,
    k.status === null ? '—' : KPI_STATUS_NAMES[k.status],
  ]);
  const width = (s: string) => [...s].reduce((w, ch) => w + (ch.charCodeAt(0) > 0x2e80 ? 2 : 1), 0);
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...rows.map((r) => width(r[i]))));
  return rows.map((r) =>
    r.map((cell, i) => (i === 0 ? cell + ' '.repeat(widths[i] - width(cell)) : ' '.repeat(widths[i] - width(cell)) + cell)).join('  '),
  );
}

/** A KPI report of the query API (the parts printed here). */
interface KpiReport {
  readonly asOf: string;
  readonly kpis: readonly KpiResult[];
}

async function fetchKpiReport(url: string, headers: Record<string, string>, timeoutMs = 30_000): Promise<KpiReport> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(url, { headers });
    if (response.status === 200) return (await response.json()) as KpiReport;
    if (response.status !== 503 || Date.now() > deadline) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
  }
}

async function waitForHealth(base: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`${base}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${base} is not answering: start the system with npm start`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
