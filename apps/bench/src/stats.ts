/** Small statistics for benchmark figures: every figure is the median of several runs, with min and max. */
export interface Figure {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: readonly number[];
}

export function figure(runs: readonly number[]): Figure {
  const sorted = [...runs].sort((a, b) => a - b);
  return { median: percentile(sorted, 0.5), min: sorted[0], max: sorted[sorted.length - 1], runs };
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  if (p === 0.5 && sorted.length % 2 === 0) return (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

export async function repeat(times: number, run: (i: number) => Promise<number>): Promise<Figure> {
  const results: number[] = [];
  for (let i = 0; i < times; i++) results.push(await run(i));
  return figure(results);
}

/** Runs `workers` loops in parallel that each take the next item until none is left. */
export async function inParallel<T>(items: readonly T[], workers: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
