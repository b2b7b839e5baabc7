import { chromium } from 'playwright-core';
import { figure, type Figure } from './stats';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export interface CockpitFigures {
  /** Navigation to the board fully drawn (cards, charts, warnings, ranking), the current board. */
  readonly currentMs: Figure;
  /** The same for a board as recorded on a day (`date=`: the as-of path over every row). */
  readonly pastMs: Figure;
  /** The page's scripts as sent (compressed), in KB. */
  readonly scriptKb: number;
}

/**
 * The cockpit in Debian's Chromium against a running console: logs in as the admin, then
 * loads the board `runs` times in a fresh page each (the browser cache kept, as for a
 * leader opening it every morning), timing navigation start to `data-ready`.
 */
export async function cockpitRender(consoleUrl: string, password: string, pastDate: string, runs: number): Promise<CockpitFigures> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  try {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
    const login = await context.request.post(`${consoleUrl}/v1/session`, { data: { username: 'admin', password } });
    if (!login.ok()) throw new Error(`log-in answered ${login.status()}`);

    let scriptBytes = 0;
    const first = await context.newPage();
    first.on('requestfinished', (request) => {
      if (request.resourceType() === 'script') void request.sizes().then((sizes) => (scriptBytes += sizes.responseBodySize));
    });
    await first.goto(`${consoleUrl}/#/cockpit`);
    await first.locator('section.cockpit[data-ready="true"]').waitFor({ timeout: 60_000 });
    await first.close();

    const time = async (hash: string): Promise<number> => {
      const page = await context.newPage();
      try {
        await page.goto(`${consoleUrl}/${hash}`, { waitUntil: 'commit' });
        await page.locator('section.cockpit[data-ready="true"]').waitFor({ timeout: 60_000 });
        // From the navigation's start (the browser's own clock) to now, after the last paint was requested.
        return (await page.evaluate('new Promise((r) => requestAnimationFrame(() => r(performance.now())))')) as number;
      } finally {
        await page.close();
      }
    };
    // One board after another, as leaders open it: each on a machine that has settled after the last.
    const settled = () => new Promise((resolve) => setTimeout(resolve, 1000));
    const current: number[] = [];
    for (let i = 0; i < runs; i++) {
      await settled();
      current.push(await time('#/cockpit'));
    }
    const past: number[] = [];
    for (let i = 0; i < runs; i++) {
      await settled();
      past.push(await time(`#/cockpit?date=${pastDate}`));
    }
    return { currentMs: figure(current), pastMs: figure(past), scriptKb: scriptBytes / 1024 };
  } finally {
    await browser.close();
  }
}
