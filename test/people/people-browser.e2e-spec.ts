import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Locator, Page } from 'playwright-core';
import { DESKTOP, PHONE, launchBrowser, logIn, screenshot } from '../support/browser';
import { ConsoleClient } from '../support/console';
import { freshDatabase, type TestDatabase } from '../support/database';
import { runApp, type Running } from '../support/processes';

const ADMIN_PASSWORD = 'Console-Passphrase-2025';

/** Waits (up to 15 s) until the locator shows; with `text`, until one of its matches holds that text. */
const shows = (locator: Locator, text?: string) =>
  (text === undefined ? locator : locator.filter({ hasText: text })).first().waitFor({ state: 'visible', timeout: 15_000 });

/** What the browser said about the Content-Security-Policy: every refusal is logged to the console. */
function policyViolations(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });
  return violations;
}

describe('用户管理 and the console’s security headers in a real browser (console process, real PostgreSQL, Chromium)', () => {
  let db: TestDatabase;
  let app: Running;
  let url: string;
  let browser: Browser;
  let framer: Server;

  beforeAll(async () => {
    db = await freshDatabase(2);
    app = runApp('console', { DATABASE_URL: db.url, CONSOLE_PORT: '0', CONSOLE_ADMIN_PASSWORD: ADMIN_PASSWORD, TRUST_PROXY: '1' });
    [, url] = await app.waitForOutput(/"url":"(http:\/\/[^"]+)"[^\n]*console listening/);
    browser = await launchBrowser();
    const admin = new ConsoleClient(url, '192.0.2.1');
    expect((await admin.login('admin', ADMIN_PASSWORD)).status).toBe(200);
    for (const username of ['zhou.min', 'li.lei'])
      expect(
        (await admin.request('POST', '/v1/people', { username, displayName: username, role: 'writer', password: 'a long passphrase' }))
          .status,
      ).toBe(201);
    // A past flood of failed logins: more entries than one page of 日志 holds.
    await db.pool.query(
      `INSERT INTO audit_log (at, action, subject, address)
       SELECT now() - g * interval '1 minute', 'login_failed', 'guess-' || g, '198.51.100.7' FROM generate_series(1, 70) AS g`,
    );
    // zhou.min is locked from one address.
    await db.pool.query(
      `INSERT INTO login_lockouts (username, address, failures, locked_until) VALUES ('zhou.min', '203.0.113.9', 0, now() + interval '15 minutes')`,
    );
    // Another site's page that frames the console.
    framer = createServer((_request, response) =>
      response.end(`<!doctype html><title>framer</title><iframe src="${url}/" width="800" height="600"></iframe>`),
    );
    await new Promise<void>((resolve) => framer.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    framer?.closeAllConnections();
    framer?.close();
    await browser?.close();
    await app?.stop();
    await db?.drop();
  });

  it('日志 pages through the record and filters it; 解除锁定 only on a locked account (1366 and 390 px)', async () => {
    for (const [viewport, width] of [
      [DESKTOP, 1366],
      [PHONE, 390],
    ] as const) {
      const { context, page } = await logIn(browser, url, { username: 'admin', password: ADMIN_PASSWORD }, { viewport, hash: '#/people' });
      const violations = policyViolations(page);
      await shows(page.getByRole('heading', { name: '日志' }));
      const log = page.getByRole('table', { name: '日志' });
      // Newest first: the flood's last entries fill the first page.
      await shows(log.getByRole('cell', { name: 'guess-70', exact: true }));
      await expectRows(log, 1 + 50);
      await page.getByRole('button', { name: '下一页' }).click();
      await shows(page.getByText('第 2 页'));
      await shows(log.getByRole('cell', { name: 'guess-1', exact: true }));
      expect(await log.getByRole('row').count()).toBeGreaterThan(1 + 20);
      expect(await page.getByRole('button', { name: '下一页' }).isDisabled()).toBe(true);
      await screenshot(page, `用户管理-日志-第2页-${width}`);

      await page.getByLabel('类型').selectOption({ label: '创建账号' });
      await page.getByRole('button', { name: '查询' }).click();
      await shows(page.getByText('第 1 页'));
      await shows(log.getByRole('cell', { name: 'li.lei', exact: true }));
      await expectRows(log, 1 + 3);
      await page.getByLabel('人员（用户名）').fill('zhou.min');
      await page.getByRole('button', { name: '查询' }).click();
      await expectRows(log, 1 + 1);
      await screenshot(page, `用户管理-日志-筛选-${width}`);

      if (width === 1366) {
        const locked = page.getByRole('row', { name: /zhou\.min/ }).first();
        await shows(locked.getByText('已锁定'));
        expect(
          await page
            .getByRole('row', { name: /li\.lei/ })
            .first()
            .getByRole('button', { name: '解除锁定' })
            .count(),
        ).toBe(0);
        await locked.getByRole('button', { name: '解除锁定' }).click();
        await shows(page.getByRole('status'), '已解除锁定');
        await page
          .getByRole('row', { name: /zhou\.min/ })
          .first()
          .getByText('正常')
          .waitFor();
        expect(await page.getByRole('button', { name: '解除锁定' }).count()).toBe(0);
        await screenshot(page, '用户管理-1366');

        // The rule is shown beside the field of a reset.
        await page
          .getByRole('row', { name: /li\.lei/ })
          .first()
          .getByRole('button', { name: '重置密码' })
          .click();
        await page.getByLabel('新密码').fill('li.lei-2025-pass');
        await page.getByRole('button', { name: '保存' }).first().click();
        await shows(page.getByRole('alert'), '密码不得包含用户名');
      } else {
        await screenshot(page, '用户管理-390');
      }
      expect(violations).toEqual([]);
      await context.close();
    }
  });

  it('the cockpit and its charts work under the Content-Security-Policy', async () => {
    const { context, page } = await logIn(browser, url, { username: 'admin', password: ADMIN_PASSWORD }, { hash: '#/cockpit' });
    const violations = policyViolations(page);
    await page.locator('section.cockpit[data-ready="true"]').waitFor({ timeout: 30_000 });
    await page.locator('.chart svg').first().waitFor({ state: 'attached', timeout: 30_000 });
    await screenshot(page, '驾驶舱-CSP-1366');
    expect(violations).toEqual([]);
    await context.close();
  });

  it('another site cannot frame the console', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    const refusals: string[] = [];
    page.on('console', (message) => refusals.push(message.text()));
    await page.goto(`http://127.0.0.1:${(framer.address() as AddressInfo).port}/`);
    await page.waitForTimeout(1_500);
    const frame = page.frames().find((f) => f !== page.mainFrame());
    expect(frame).toBeDefined();
    expect(await frame!.getByLabel('用户名', { exact: true }).count()).toBe(0);
    expect(refusals.join('\n')).toMatch(/frame-ancestors|X-Frame-Options/);
    await context.close();
  });
});

/** Waits until the table shows exactly `rows` rows (header included). */
async function expectRows(table: Locator, rows: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while ((await table.getByRole('row').count()) !== rows) {
    if (Date.now() > deadline) throw new Error(`the table has ${await table.getByRole('row').count()} rows, not ${rows}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
