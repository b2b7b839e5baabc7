import type { ProjectionWatermark } from '@app/read-models';
import { CurrentReports } from './current-reports';

/** A watermark whose position the test moves. */
function watermarkAt(start: number) {
  const mark = { at: start, position: async () => mark.at };
  return mark;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('CurrentReports', () => {
  it('answers the kept report, recomputes in the background only once the read models have moved', async () => {
    const watermark = watermarkAt(10);
    const reports = new CurrentReports(watermark as unknown as ProjectionWatermark, 0, 60_000);
    let computed = 0;
    const compute = async () => ++computed;

    expect((await reports.current('k', 0, compute)).value).toBe(1);
    expect((await reports.current('k', 0, compute)).value).toBe(1);
    await settle();
    expect(computed).toBe(1); // stale, revalidated, nothing moved: not recomputed

    watermark.at = 11;
    expect((await reports.current('k', 0, compute)).value).toBe(1); // answered at once…
    await settle();
    expect(computed).toBe(2); // …and recomputed behind it
    expect(await reports.current('k', 0, compute)).toMatchObject({ value: 2, position: 11 });
  });

  it('waits for a fresh report when asked for a position the kept one does not cover', async () => {
    const watermark = watermarkAt(5);
    const reports = new CurrentReports(watermark as unknown as ProjectionWatermark, 60_000);
    let computed = 0;
    const compute = async () => ++computed;
    await reports.current('k', 0, compute);
    watermark.at = 7;
    expect(await reports.current('k', 7, compute)).toMatchObject({ value: 2, position: 7 });
  });

  it('recomputes a report that has stood unchanged too long (statuses follow the time elapsed)', async () => {
    const watermark = watermarkAt(3);
    const reports = new CurrentReports(watermark as unknown as ProjectionWatermark, 0, 0);
    let computed = 0;
    const compute = async () => ++computed;
    await reports.current('k', 0, compute);
    await new Promise((resolve) => setTimeout(resolve, 2));
    await reports.current('k', 0, compute);
    await settle();
    expect(computed).toBe(2);
  });
});
