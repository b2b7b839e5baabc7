import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (`.ci/run` installs it when missing); CHROMIUM_PATH names another. */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Where the browser tests leave their screenshots (kept by CI as artifacts). */
export const SCREENSHOTS = join(__dirname, '..', '..', 'test-artifacts', 'console');

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium package (.ci/run does)`);
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export const DESKTOP = { width: 1366, height: 768 };
export const PHONE = { width: 390, height: 844 };

/** Saves a full-page screenshot among the test artifacts. */
export const screenshot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

/**
 * A fresh browser context (zh-CN, downloads allowed) that opens the console at `hash` and
 * logs in; `address` is sent as X-Forwarded-For (the test stacks trust it).
 */
export async function logIn(
  browser: Browser,
  url: string,
  credentials: { username: string; password: string },
  options: { viewport?: typeof DESKTOP; address?: string; hash?: string } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    acceptDownloads: true,
    viewport: options.viewport ?? DESKTOP,
    locale: 'zh-CN',
    ...(options.address ? { extraHTTPHeaders: { 'x-forwarded-for': options.address } } : {}),
  });
  const page = await context.newPage();
  await page.goto(`${url}/${options.hash ?? ''}`);
  await page.getByLabel('用户名', { exact: true }).fill(credentials.username);
  await page.getByLabel('密码', { exact: true }).fill(credentials.password);
  await page.getByRole('button', { name: '登录' }).click();
  return { context, page };
}

/** Follows a link of the main navigation; on a phone, through 菜单. */
export async function go(page: Page, name: string): Promise<void> {
  const navigation = page.getByRole('navigation', { name: '主导航' });
  const menu = page.getByRole('button', { name: '菜单' });
  // Drawn once the session is known: the navigation, or on a phone the button that unfolds it.
  await navigation.or(menu).first().waitFor({ timeout: 15_000 });
  if (await menu.isVisible()) await menu.click();
  await navigation.getByRole('link', { name, exact: true }).click();
}
