import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { CONSOLE_ADMIN_PASSWORD, ConsoleClient, startConsole, type ConsoleStack } from '../support/console';
import { DESKTOP, PHONE, SCREENSHOTS, launchBrowser, logIn, screenshot } from '../support/browser';
import { ledgerFile, ledgerRow, uploadLedger } from '../support/ledger';

/** Waits (up to 15 s) until the locator shows; with `text`, until one of its matches holds that text. */
const shows = (locator: Locator, text?: string) =>
  (text === undefined ? locator : locator.filter({ hasText: text })).first().waitFor({ state: 'visible', timeout: 15_000 });

describe('the console in a real browser (Chromium, real PostgreSQL and Kafka)', () => {
  let stack: ConsoleStack;
  let browser: Browser;
  let admin: ConsoleClient;

  beforeAll(async () => {
    stack = await startConsole();
    browser = await launchBrowser();
    admin = new ConsoleClient(stack.url);
    await admin.login('admin', CONSOLE_ADMIN_PASSWORD);
    for (const [username, units] of [
      ['zhou.min', undefined],
      ['airport.staff', ['zz-airport']],
    ] as const) {
      const answer = await admin.request('POST', '/v1/people', {
        username,
        displayName: username === 'zhou.min' ? '周敏' : '航空港专员',
        role: 'writer',
        password: 'a long passphrase',
        ...(units ? { units } : {}),
      });
      expect(answer.status).toBe(201);
    }
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const shot = screenshot;

  async function loggedIn(
    username: string,
    options: { viewport?: typeof DESKTOP; address?: string } = {},
  ): Promise<{ context: BrowserContext; page: Page }> {
    const { context, page } = await logIn(
      browser,
      stack.url,
      { username, password: 'a long passphrase' },
      { viewport: options.viewport, address: options.address ?? '192.0.2.50' },
    );
    await shows(page.getByRole('button', { name: '退出' }));
    return { context, page };
  }

  async function registerLead(page: Page, name: string, investor: string): Promise<void> {
    await page.getByRole('link', { name: '新建线索' }).click();
    await shows(page.getByRole('heading', { name: '新建线索' }));
    await page.getByLabel('项目名称', { exact: true }).fill(name);
    await page.getByLabel('投资方名称', { exact: true }).fill(investor);
    await page.getByLabel('投资方来源地区', { exact: true }).selectOption({ label: '长三角' });
    await page.getByLabel('产业链', { exact: true }).selectOption({ index: 1 });
    await page.getByLabel('产业类别', { exact: true }).selectOption({ label: '新兴产业' });
    await page.getByLabel('工业项目', { exact: true }).check();
    await page.getByLabel('产业链招商', { exact: true }).check();
    await page.getByLabel('责任单位', { exact: true }).selectOption({ index: 1 });
    await page.getByLabel('计划投资额(万元)', { exact: true }).fill('150000');
  }

  it('logs in, records a lead through 新建线索, and finds it in 项目库 by 搜索', async () => {
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(stack.url);
    await shows(page.getByRole('heading', { name: '登录' }));
    await shot(page, '01-登录');
    await context.close();

    const { page: staff, context: staffContext } = await loggedIn('zhou.min');
    await registerLead(staff, '新能源电池壳体项目', '苏州精密制造有限公司');
    await shot(staff, '02-新建线索');
    await staff.getByRole('button', { name: '保存' }).click();
    await shows(staff.getByRole('heading', { name: '新能源电池壳体项目' }));

    await staff.getByRole('link', { name: '项目库' }).click();
    await staff.getByLabel('搜索', { exact: true }).fill('苏州精密');
    await staff.getByRole('button', { name: '查询' }).click();
    await shows(staff.getByRole('link', { name: '新能源电池壳体项目' }));
    await shot(staff, '03-项目库');

    // 导出: the filtered list as .xlsx, Chinese headers.
    const [download] = await Promise.all([staff.waitForEvent('download'), staff.getByRole('link', { name: '导出' }).click()]);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile((await download.path())!);
    const sheet = workbook.getWorksheet('项目库')!;
    expect(sheet.getRow(1).values).toEqual(
      expect.arrayContaining(['项目编号', '项目名称', '投资方名称', '责任单位', '阶段', '计划投资额(万元)']),
    );
    expect(sheet.rowCount).toBe(2);
    expect(sheet.getRow(2).values).toEqual(expect.arrayContaining(['新能源电池壳体项目', '苏州精密制造有限公司', '线索', 150000]));
    await staffContext.close();
  });

  it('records a visit, a signing and a start on 项目详情, each in the 时间线 with the person’s name; a refused signing shows the error beside 签约额(万元) and writes nothing', async () => {
    const { page, context } = await loggedIn('zhou.min');
    await registerLead(page, '智能网联测试场项目', '北京智行科技有限公司');
    await page.getByRole('button', { name: '保存' }).click();
    await shows(page.getByRole('heading', { name: '智能网联测试场项目' }));
    // A lead offers no 开工: the lifecycle forbids it.
    expect(await page.getByRole('button', { name: '开工' }).count()).toBe(0);

    await page.getByRole('button', { name: '记录走访' }).click();
    await page.getByLabel('走访方向', { exact: true }).selectOption({ label: '外出拜访' });
    await page.getByRole('button', { name: '保存' }).click();
    await shows(page.locator('.timeline li', { hasText: '走访' }), '周敏');

    const before = await stack.db.pool.query('SELECT count(*)::int AS n FROM events');
    await page.getByRole('button', { name: '签约' }).click();
    await page.getByLabel('签约额(万元)', { exact: true }).fill('0');
    await page.getByRole('button', { name: '保存' }).click();
    const error = page.locator('.field', { has: page.getByLabel('签约额(万元)', { exact: true }) }).getByRole('alert');
    await shows(error, '必须是大于 0 的整数（万元）');
    await shot(page, '05-签约被拒');
    expect((await stack.db.pool.query('SELECT count(*)::int AS n FROM events')).rows[0].n).toBe(before.rows[0].n);

    await page.getByLabel('签约额(万元)', { exact: true }).fill('120000');
    await page.getByRole('button', { name: '保存' }).click();
    await shows(page.locator('.timeline li', { hasText: '签约额' }), '周敏');
    expect(await page.getByRole('button', { name: '终止' }).count()).toBe(0);

    await page.getByRole('button', { name: '开工' }).click();
    await page.getByLabel('开工投资额(万元)', { exact: true }).fill('60000');
    await page.getByRole('button', { name: '保存' }).click();
    await shows(page.locator('.timeline li', { hasText: '开工投资额' }), '周敏');
    await shows(page.locator('.facts'), '开工');
    await shot(page, '04-项目详情');
    await context.close();
  });

  it('a writer limited to a unit can pick only that unit, and the API refuses another unit too', async () => {
    const { page, context } = await loggedIn('airport.staff');
    await page.getByRole('link', { name: '新建线索' }).click();
    const units = await page.getByLabel('责任单位', { exact: true }).locator('option').allTextContents();
    expect(units.filter((u) => u !== '请选择')).toHaveLength(1);
    const refused = await page.evaluate(async () => {
      const session = (await (await fetch('/v1/session')).json()) as { csrfToken: string };
      const response = await fetch('/v1/projects', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
        body: JSON.stringify({
          name: '越权项目',
          investor: { name: '某公司', originRegion: 'jjj' },
          industry: { chain: 'nev', sector: 'emerging' },
          industrial: true,
          channels: ['fund'],
          unit: 'zz-erqi',
          plannedInvestmentWan: 1,
          occurredAt: '2025-03-01T10:00:00+08:00',
        }),
      });
      return response.status;
    });
    expect(refused).toBe(403);
    await shot(page, '06-新建线索-单位受限');
    await context.close();
  });

  it('records a promotion activity on 招商活动 and lists it', async () => {
    const { page, context } = await loggedIn('zhou.min');
    await page.getByRole('link', { name: '招商活动' }).click();
    await shows(page.getByRole('heading', { name: '招商活动' }));
    await page.getByLabel('活动名称', { exact: true }).fill('赴深圳新能源汽车产业链推介会');
    await page.getByLabel('活动类型', { exact: true }).selectOption({ label: '外出招商' });
    await page.getByLabel('地区', { exact: true }).selectOption({ label: '粤港澳大湾区' });
    await page.getByLabel('责任单位', { exact: true }).selectOption({ index: 1 });
    await page.getByRole('button', { name: '保存' }).click();
    await shows(page.getByRole('cell', { name: '赴深圳新能源汽车产业链推介会' }));
    await shows(page.getByRole('row', { name: /赴深圳新能源汽车产业链推介会/ }), '粤港澳大湾区');
    await shot(page, '09-招商活动');
    await context.close();
  });

  it('台账导入: 200 rows of which 3 are bad — the preview names those 3, 导入 stores 197; the same file again stores 0; 5 edited rows store 5 corrections', async () => {
    const { page, context } = await loggedIn('zhou.min');
    await page.getByRole('link', { name: '台账导入' }).click();
    const [template] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: '下载模板' }).click()]);
    const blank = new ExcelJS.Workbook();
    await blank.xlsx.readFile((await template.path())!);
    expect(blank.worksheets[0].getRow(1).values).toEqual(expect.arrayContaining(['项目编号', '项目名称', '签约额(万元)', '开工时间']));

    const rows = Array.from({ length: 200 }, (_, i) => ledgerRow(i + 1));
    rows[9] = ledgerRow(10, { 责任单位: '不存在的开发区' }); // sheet row 11
    rows[49] = ledgerRow(50, { '计划投资额(万元)': -5 }); // sheet row 51
    rows[149] = ledgerRow(150, { 线索登记时间: '2025-02-30 10:00' }); // sheet row 151
    const file = join(SCREENSHOTS, '..', 'ledger-200.xlsx');
    await ledgerFile(file, rows);
    const leads = async () =>
      Number((await stack.db.pool.query(`SELECT count(*) FROM events WHERE type = 'LeadRegistered'`)).rows[0].count);
    const before = await leads();

    await page.getByLabel('选择台账文件（.xlsx）', { exact: true }).setInputFiles(file);
    const errors = page.getByRole('table', { name: '错误' });
    await shows(errors);
    const errorRows = await errors.locator('tbody tr').allTextContents();
    expect(errorRows).toHaveLength(3);
    expect(errorRows[0]).toContain('11');
    expect(errorRows[0]).toContain('责任单位');
    expect(errorRows[1]).toContain('51');
    expect(errorRows[1]).toContain('计划投资额(万元)');
    expect(errorRows[2]).toContain('151');
    expect(errorRows[2]).toContain('线索登记时间');
    await shot(page, '11-台账导入-预览');
    await page.getByRole('button', { name: '导入' }).click();
    await shows(page.getByRole('status'), '已导入 197 行');
    expect((await leads()) - before).toBe(197);

    // The same file again: nothing new.
    const events = async () => Number((await stack.db.pool.query('SELECT count(*) FROM events')).rows[0].count);
    const afterFirst = await events();
    await page.getByLabel('选择台账文件（.xlsx）', { exact: true }).setInputFiles(file);
    await shows(page.getByRole('status'), '0 行有新内容');
    expect(await page.getByRole('button', { name: '导入' }).isDisabled()).toBe(true);
    const api = new ConsoleClient(stack.url);
    await api.login('zhou.min', 'a long passphrase');
    const repeated = await uploadLedger(api, '/v1/ledger', readFileSync(file));
    expect(repeated.body).toMatchObject({ rows: 200, storedRows: 0, commands: 0 });
    expect(await events()).toBe(afterFirst);

    // Five rows edited: five corrections.
    for (const i of [1, 2, 3, 4, 5]) rows[i - 1] = ledgerRow(i, { '计划投资额(万元)': 9000 + i });
    const edited = join(SCREENSHOTS, '..', 'ledger-200-edited.xlsx');
    await ledgerFile(edited, rows);
    await page.getByLabel('选择台账文件（.xlsx）', { exact: true }).setInputFiles(edited);
    await shows(page.getByRole('status'), '5 行有新内容');
    await page.getByRole('button', { name: '导入' }).click();
    await shows(page.getByRole('status'), '已导入 5 行');
    const corrections = await stack.db.pool.query(
      `SELECT data FROM events WHERE type = 'ProjectCorrected' AND recorded_at > now() - interval '1 minute'`,
    );
    expect(corrections.rows.map((r) => r.data.changes)).toEqual(
      expect.arrayContaining([1, 2, 3, 4, 5].map((i) => ({ plannedInvestmentWan: 9000 + i }))),
    );
    expect(corrections.rowCount).toBe(5);
    await context.close();
  });

  it('is usable at a phone’s width', async () => {
    const { page, context } = await loggedIn('zhou.min', { viewport: PHONE });
    await page.getByRole('link', { name: '项目库' }).click();
    await shows(page.getByRole('heading', { name: '项目库' }));
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(page, '07-项目库-手机');
    await context.close();
  });

  it('locks an account after five failed logins from one address; another address still logs in; an admin unlocks in 用户管理', async () => {
    const attacker = await browser.newContext({ viewport: DESKTOP, extraHTTPHeaders: { 'x-forwarded-for': '203.0.113.9' } });
    const page = await attacker.newPage();
    await page.goto(stack.url);
    await page.getByLabel('用户名', { exact: true }).fill('zhou.min');
    for (let i = 0; i < 5; i++) {
      await page.getByLabel('密码', { exact: true }).fill(`wrong ${i}`);
      await page.getByRole('button', { name: '登录' }).click();
      await shows(page.getByRole('alert'));
    }
    await page.getByLabel('密码', { exact: true }).fill('a long passphrase');
    await page.getByRole('button', { name: '登录' }).click();
    await shows(page.getByRole('alert'), '锁定');

    const elsewhere = await loggedIn('zhou.min', { address: '203.0.113.10' });
    await elsewhere.context.close();

    const adminSession = await browser.newContext({ viewport: DESKTOP, extraHTTPHeaders: { 'x-forwarded-for': '192.0.2.1' } });
    const adminPage = await adminSession.newPage();
    await adminPage.goto(stack.url);
    await adminPage.getByLabel('用户名', { exact: true }).fill('admin');
    await adminPage.getByLabel('密码', { exact: true }).fill(CONSOLE_ADMIN_PASSWORD);
    await adminPage.getByRole('button', { name: '登录' }).click();
    await adminPage.getByRole('link', { name: '用户管理' }).click();
    await adminPage
      .getByRole('row', { name: /zhou\.min/ })
      .getByRole('button', { name: '解除锁定' })
      .click();
    await shows(adminPage.getByRole('status'), '已解除锁定');
    await shot(adminPage, '08-用户管理');
    await adminSession.close();

    await page.getByRole('button', { name: '登录' }).click();
    await shows(page.getByRole('button', { name: '退出' }));
    await attacker.close();
  });

  it('a person changes their own password on 修改密码: a wrong current one is refused beside its field', async () => {
    expect(
      (
        await admin.request('POST', '/v1/people', {
          username: 'qian.hao',
          displayName: '钱浩',
          role: 'reader',
          password: 'a long passphrase',
        })
      ).status,
    ).toBe(201);
    const { page, context } = await loggedIn('qian.hao');
    await page.getByRole('link', { name: '钱浩' }).click();
    await shows(page.getByRole('heading', { name: '修改密码' }));
    await page.getByLabel('当前密码', { exact: true }).fill('not my password');
    await page.getByLabel('新密码', { exact: true }).fill('my new long passphrase');
    await page.getByRole('button', { name: '保存' }).click();
    await shows(page.locator('.field', { has: page.getByLabel('当前密码', { exact: true }) }).getByRole('alert'), '当前密码错误');
    await page.getByLabel('当前密码', { exact: true }).fill('a long passphrase');
    await page.getByLabel('新密码', { exact: true }).fill('my new long passphrase');
    await page.getByRole('button', { name: '保存' }).click();
    await shows(page.getByRole('status'), '密码已修改');
    await shot(page, '10-修改密码');
    await context.close();
    const client = new ConsoleClient(stack.url, '192.0.2.60');
    expect((await client.login('qian.hao', 'a long passphrase')).status).toBe(401);
    expect((await client.login('qian.hao', 'my new long passphrase')).status).toBe(200);
  });

  it('退出 ends the session on the server: the old cookie answers 401', async () => {
    const { page, context } = await loggedIn('zhou.min');
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'ipsession', httpOnly: true, sameSite: 'Strict' });
    await page.getByRole('button', { name: '退出' }).click();
    await shows(page.getByRole('heading', { name: '登录' }));
    const replay = await fetch(`${stack.url}/v1/projects`, { headers: { cookie: `${cookie.name}=${cookie.value}` } });
    expect(replay.status).toBe(401);
    await context.close();
  });
});
