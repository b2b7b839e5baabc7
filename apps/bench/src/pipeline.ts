import type { ReferenceData } from '@app/reference-data';
import { syntheticYear, type Command } from '@app/synthetic';
import { partitionByProject } from './dataset';
import { percentile, sleep } from './stats';

export interface Api {
  readonly ingestUrl: string;
  readonly queryUrl: string;
  readonly key: string;
}

const json = (key: string) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });

/** Posts one batch; returns how many commands were committed and the last position. */
export async function postBatch(api: Api, commands: readonly Command[]): Promise<{ committed: number; position: number }> {
  const response = await fetch(`${api.ingestUrl}/v1/batch`, { method: 'POST', headers: json(api.key), body: JSON.stringify({ commands }) });
  if (response.status !== 200) throw new Error(`batch answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  const { results } = (await response.json()) as { results: { status: number; body: { position?: number } }[] };
  let committed = 0;
  let position = 0;
  for (const r of results) {
    if (r.status === 201) {
      committed++;
      position = Math.max(position, r.body.position ?? 0);
    }
  }
  return { committed, position };
}

/** Commands committed per second through POST /v1/batch: `clients` concurrent clients, 1,000 commands a request. */
export async function ingestThroughput(api: Api, commands: readonly Command[], clients: number): Promise<number> {
  const lanes = partitionByProject(commands, clients);
  let committed = 0;
  const started = performance.now();
  await Promise.all(
    lanes.map(async (lane) => {
      for (let i = 0; i < lane.length; i += 1000) {
        // Not `committed += await …`: that reads the total before awaiting, and concurrent lanes overwrite each other's counts.
        const batch = await postBatch(api, lane.slice(i, i + 1000));
        committed += batch.committed;
      }
    }),
  );
  return committed / ((performance.now() - started) / 1000);
}

/** An endless supply of fresh synthetic commands, `size` at a time, for one lane (each project's commands in order). */
export function commandSupply(reference: ReferenceData, seed: number): (size: number) => Command[] {
  let buffer: Command[] = [];
  let round = 0;
  return (size) => {
    while (buffer.length < size)
      buffer = buffer.concat(
        syntheticYear(reference, { seed: seed * 1000 + round++, year: reference.plan.year, projects: 400, notAfter: new Date() }),
      );
    return buffer.splice(0, size);
  };
}

export interface LoadResult {
  /** Commands committed per second over the run. */
  readonly achievedPerSecond: number;
  /** Projection lag (events) sampled every second. */
  readonly lag: readonly number[];
  /** Whether the lag stayed flat: no upward trend over the second half, and under 5 s of events at the end. */
  readonly lagSteady: boolean;
  /** Commit → visible in the read model, for sampled commands (ms). */
  readonly e2eMs: readonly number[];
  /** GET /v1/kpis?year= latencies measured during the run (ms). */
  readonly kpiMs: readonly number[];
}

/**
 * An open-loop write load at `perSecond` commands a second for `seconds`, in batches of
 * `batchSize` from `lanes` parallel lanes, while sampling the projection lag, the
 * commit-to-visible latency of one command per batch, and KPI query latencies.
 */
export async function steadyLoad(
  api: Api,
  reference: ReferenceData,
  options: {
    perSecond: number;
    seconds: number;
    lanes: number;
    batchSize: number;
    seed: number;
    measureKpis: boolean;
    measureE2e: boolean;
  },
): Promise<LoadResult> {
  const { perSecond, seconds, lanes, batchSize } = options;
  const intervalMs = (batchSize * lanes * 1000) / perSecond;
  const end = performance.now() + seconds * 1000;
  let committed = 0;
  const e2eMs: number[] = [];
  const kpiMs: number[] = [];
  const lag: number[] = [];
  const pending: Promise<void>[] = [];
  const started = performance.now();

  const lane = async (index: number) => {
    const supply = commandSupply(reference, options.seed + index);
    for (let next = performance.now() + (intervalMs * index) / lanes; next < end; next += intervalMs) {
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      const batch = supply(batchSize);
      const result = await postBatch(api, batch);
      committed += result.committed;
      if (options.measureE2e && result.position > 0) {
        const committedAt = performance.now();
        pending.push(
          fetch(`${api.queryUrl}/v1/projections/status?minPosition=${result.position}`, { headers: json(api.key) })
            .then(async (r) => {
              await r.arrayBuffer();
              if (r.status === 200) e2eMs.push(performance.now() - committedAt);
            })
            .catch(() => undefined),
        );
      }
    }
  };
  const sampler = async () => {
    while (performance.now() < end) {
      const status = await fetch(`${api.queryUrl}/v1/projections/status`, { headers: json(api.key) }).then(
        (r) => r.json() as Promise<{ projections: { lagEvents: number }[] }>,
      );
      lag.push(status.projections[0].lagEvents);
      await sleep(1000);
    }
  };
  const querier = async () => {
    while (options.measureKpis && performance.now() < end) {
      const t = performance.now();
      const response = await fetch(`${api.queryUrl}/v1/kpis?year=${reference.plan.year}`, { headers: json(api.key) });
      await response.arrayBuffer();
      kpiMs.push(performance.now() - t);
      await sleep(50);
    }
  };
  await Promise.all([...Array.from({ length: lanes }, (_, i) => lane(i)), sampler(), querier()]);
  const elapsed = (performance.now() - started) / 1000;
  await Promise.all(pending);
  return { achievedPerSecond: committed / elapsed, lag, lagSteady: steady(lag, perSecond), e2eMs, kpiMs };
}

/** Lag is steady when its trend over the second half is below 2% of the rate per second and it ends under 5 s of events. */
function steady(lag: readonly number[], perSecond: number): boolean {
  const half = lag.slice(Math.floor(lag.length / 2));
  if (half.length < 2) return true;
  const n = half.length;
  const meanX = (n - 1) / 2;
  const meanY = half.reduce((s, y) => s + y, 0) / n;
  const slope = half.reduce((s, y, x) => s + (x - meanX) * (y - meanY), 0) / half.reduce((s, _, x) => s + (x - meanX) ** 2, 0);
  return slope < 0.02 * perSecond && half[n - 1] < 5 * perSecond;
}

/** Sequential GETs after a warm-up; returns latencies in ms. */
export async function queryLatencies(api: Api, paths: readonly string[], warmup = 20): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < paths.length + warmup; i++) {
    const t = performance.now();
    const response = await fetch(`${api.queryUrl}${paths[i % paths.length]}`, { headers: json(api.key) });
    if (response.status !== 200) throw new Error(`${paths[i % paths.length]} answered ${response.status}`);
    await response.arrayBuffer();
    if (i >= warmup) times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b);
}

export const p = (values: readonly number[], q: number) =>
  percentile(
    [...values].sort((a, b) => a - b),
    q,
  );
