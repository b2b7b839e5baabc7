import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { CONSOLE_ADMIN_PASSWORD, ConsoleClient, startConsole, type ConsoleStack } from '../support/console';
import { DESKTOP, PHONE, SCREENSHOTS, go, launchBrowser, logIn, screenshot } from '../support/browser';
import { ledgerFile, ledgerRow, uploadLedger } from '../support/ledger';

/** Waits (up to 15 s) until the locator shows; with `text`, until one of its matches holds that text. */
const shows = (locator: Locator, text?: string) =>
  (text === undefined ? locator : locator.filter({ hasText: text })).first().waitFor({ state: 'visible', timeout: 15_000 });

/** Waits until the page has drawn what it loads (the cockpit its board, the others their lists). */
async function settled(page: Page): Promise<void> {
  // Locators, not a polled string predicate: the console's Content-Security-Policy refuses the eval one needs.
  await page.locator('.loading').first().waitFor({ state: 'detached', timeout: 15_000 });
  await page.locator('section.cockpit:not([data-ready="true"])').first().waitFor({ state: 'detached', timeout: 15_000 });
}

/** The people of the tests, each in the role they have in life. */
const WRITER = 'airport.staff'; // a writer limited to one unit: the workbench's main user
const WRITER_UNIT = 'zz-airport';
const READER = 'reader.li'; // the leadership: reads, writes nothing
const PASSWORD = 'a long passphrase';

/** Now as Asia/Shanghai `YYYY-MM-DD`. */
const shanghaiToday = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);

describe('the console in a real browser (Chromium, real PostgreSQL and Kafka)', () => {
  let stack: ConsoleStack;
  let browser: Browser;
  let admin: ConsoleClient;

  beforeAll(async () => {
    stack = await startConsole();
    browser = await launchBrowser();
    admin = new ConsoleClient(stack.url);
    await admin.login('admin', CONSOLE_ADMIN_PASSWORD);
    for (const person of [
      { username: 'zhou.min', displayName: '周敏', role: 'writer' },
      { username: WRITER, displayName: '航空港专员', role: 'writer', units: [WRITER_UNIT] },
      { username: READER, displayName: '李读', role: 'reader' },
    ]) {
      expect((await admin.request('POST', '/v1/people', { ...person, password: PASSWORD })).status).toBe(201);
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
      { username, password: PASSWORD },
      { viewport: options.viewport, address: options.address ?? '192.0.2.50' },
    );
    await shows(page.getByRole('button', { name: '退出' }));
    return { context, page };
  }

  /** The writer's own API client (the console's API as the page calls it). */
  async function writerApi(): Promise<ConsoleClient> {
    const client = new ConsoleClient(stack.url, '192.0.2.70');
    expect((await client.login(WRITER, PASSWORD)).status).toBe(200);
    return client;
  }

  async function registerLead(page: Page, name: string, investor: string): Promise<void> {
    await go(page, '新建线索');
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

  it('the unit writer, on a phone, records a lead through 新建线索 and finds it in 项目库 (cards, filters behind 筛选, newest first, 共 N 个项目)', async () => {
    const context = await browser.newContext({ viewport: PHONE, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(stack.url);
    await shows(page.getByRole('heading', { name: '登录' }));
    await shot(page, '01-登录');
    await context.close();

    const { page: staff, context: staffContext } = await loggedIn(WRITER, { viewport: PHONE });
    // The navigation is folded behind 菜单 on a phone.
    expect(await staff.getByRole('link', { name: '新建线索' }).isVisible()).toBe(false);
    await staff.getByRole('button', { name: '菜单' }).click();
    await shot(staff, '02-菜单-手机');
    await staff.getByRole('button', { name: '菜单' }).click();
    await registerLead(staff, '新能源电池壳体项目', '苏州精密制造有限公司');
    const required = await staff.locator('.field .required').count();
    expect(required).toBeGreaterThanOrEqual(8);
    await shot(staff, '02-新建线索');
    await staff.getByRole('button', { name: '保存' }).click();
    await shows(staff.getByRole('heading', { name: '新能源电池壳体项目' }));

    await go(staff, '项目库');
    await shows(staff.getByRole('heading', { name: '项目库' }));
    // The filters but 搜索 are folded behind 筛选.
    expect(await staff.getByLabel('阶段', { exact: true }).count()).toBe(0);
    await staff.getByRole('button', { name: '筛选' }).click();
    await staff.getByLabel('阶段', { exact: true }).selectOption({ label: '线索' });
    await staff.getByLabel('搜索', { exact: true }).fill('苏州精密');
    await staff.getByRole('button', { name: '查询' }).click();
    const card = staff.getByRole('listitem').filter({ has: staff.getByRole('link', { name: '新能源电池壳体项目' }) });
    await shows(card, '郑州航空港经济综合实验区');
    expect(await card.textContent()).toContain('线索');
    expect(await card.textContent()).toContain('150,000 万元');
    await shows(staff.locator('.total'), '共 1 个项目');
    await shot(staff, '03-项目库-手机');

    // Newest activity first: a lead recorded later in business time comes before an older one.
    const api = await writerApi();
    for (const [name, at] of [
      ['排序测试旧项目', '2025-01-05T10:00:00+08:00'],
      ['排序测试新项目', '2025-05-05T10:00:00+08:00'],
    ]) {
      const created = await api.request('POST', '/v1/projects', leadBody(name, '排序测试投资方', at));
      expect(created.status).toBe(201);
    }
    await staff.getByRole('button', { name: '筛选' }).click();
    await staff.getByLabel('阶段', { exact: true }).selectOption({ label: '全部' });
    await staff.getByLabel('搜索', { exact: true }).fill('排序测试');
    await staff.getByRole('button', { name: '查询' }).click();
    await shows(staff.locator('.total'), '共 2 个项目');
    const names = await staff.locator('.project-card .card-head a').allTextContents();
    expect(names).toEqual(['排序测试新项目', '排序测试旧项目']);
    await staffContext.close();
  });

  /** A lead of the writer's unit as the API takes it. */
  function leadBody(name: string, investor: string, occurredAt: string, extra: Record<string, unknown> = {}) {
    return {
      name,
      investor: { name: investor, originRegion: 'yrd' },
      industry: { chain: 'nev', sector: 'emerging' },
      industrial: true,
      channels: ['industry_chain'],
      unit: WRITER_UNIT,
      plannedInvestmentWan: 80000,
      occurredAt,
      ...extra,
    };
  }

  it('导出 gives the filtered list as an office keeps it: 序号, 项目编号, date cells, visits, 停滞天数, auto-filter, landscape, a dated name, formula-like names quoted; importing it again changes nothing', async () => {
    const api = await writerApi();
    const formulaLike = await api.request(
      'POST',
      '/v1/projects',
      leadBody('=1+2 导出测试项目', '导出测试投资方', '2025-03-05T09:30:00+08:00'),
    );
    expect(formulaLike.status).toBe(201);
    const id = formulaLike.body.projectId as string;
    for (const [path, body] of [
      [`/v1/projects/${id}/visits`, { direction: 'inbound', occurredAt: '2025-03-10T10:00:00+08:00' }],
      [`/v1/projects/${id}/visits`, { direction: 'outbound', occurredAt: '2025-03-12T10:00:00+08:00' }],
      [`/v1/projects/${id}/visits`, { direction: 'outbound', occurredAt: '2025-03-20T10:00:00+08:00' }],
      [`/v1/projects/${id}/signing`, { signedAmountWan: 1234567, occurredAt: '2025-04-01T15:45:00+08:00' }],
    ] as const) {
      expect((await api.request('POST', path, body)).status).toBe(201);
    }

    const { page, context } = await loggedIn(WRITER);
    await go(page, '项目库');
    await page.getByLabel('搜索', { exact: true }).fill('导出测试');
    await page.getByRole('button', { name: '查询' }).click();
    await shows(page.getByRole('link', { name: '=1+2 导出测试项目' }));
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: '导出', exact: true }).click()]);
    expect(download.suggestedFilename()).toBe(`项目库-${shanghaiToday()}.xlsx`);
    const file = readFileSync((await download.path())!);
    await context.close();

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(file as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('项目库')!;
    const headers = (sheet.getRow(1).values as unknown[]).slice(1) as string[];
    expect(headers[0]).toBe('序号');
    expect(headers[1]).toBe('项目编号');
    expect(headers[headers.length - 1]).toBe('项目ID');
    expect(headers).toEqual(expect.arrayContaining(['走访次数(来访)', '走访次数(外出拜访)', '停滞天数', '签约时间']));
    expect(sheet.rowCount).toBe(2);
    const cell = (header: string) => sheet.getRow(2).getCell(headers.indexOf(header) + 1);
    expect(cell('序号').value).toBe(1);
    expect(cell('项目编号').value).toBe(`XM2025-${id.slice(0, 8).toUpperCase()}`);
    expect(cell('项目ID').value).toBe(id);
    // A name that would be a formula stays text, behind the quote prefix.
    expect(cell('项目名称').type).toBe(ExcelJS.ValueType.String);
    expect(cell('项目名称').value).toBe("'=1+2 导出测试项目");
    // Dates are date cells showing the Asia/Shanghai day.
    expect(cell('线索登记时间').value).toEqual(new Date('2025-03-05T09:30:00Z'));
    expect(cell('签约时间').value).toEqual(new Date('2025-04-01T15:45:00Z'));
    expect(cell('签约时间').numFmt).toBe('yyyy-mm-dd');
    expect(cell('签约额(万元)').value).toBe(1234567);
    expect(cell('签约额(万元)').numFmt).toBe('#,##0');
    expect([cell('走访次数(来访)').value, cell('走访次数(外出拜访)').value]).toEqual([1, 2]);
    const idle = Math.floor((Date.now() - Date.parse('2025-04-01T15:45:00+08:00')) / 86_400_000);
    expect(cell('停滞天数').value).toBeGreaterThanOrEqual(idle - 1);
    expect(cell('停滞天数').value).toBeLessThanOrEqual(idle);
    expect(sheet.autoFilter).toBeTruthy();
    expect(sheet.pageSetup).toMatchObject({ orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 });
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });

    // The export is a 台账 the import knows again by 项目ID: nothing new to store.
    const again = await uploadLedger(api, '/v1/ledger', file);
    expect(again.body).toMatchObject({ rows: 1, storedRows: 0, commands: 0 });
  });

  it('the unit writer records a visit with a note, a signing and a start at a phone’s width, each in the 时间线; a refused signing writes nothing; 更正 offers only the person’s units and shows the change with separators', async () => {
    const { page, context } = await loggedIn(WRITER, { viewport: PHONE });
    await registerLead(page, '智能网联测试场项目', '北京智行科技有限公司');
    await page.getByRole('button', { name: '保存' }).click();
    await shows(page.getByRole('heading', { name: '智能网联测试场项目' }));
    // A lead offers no 开工: the lifecycle forbids it.
    expect(await page.getByRole('button', { name: '开工' }).count()).toBe(0);

    await page.getByRole('button', { name: '记录走访' }).click();
    await page.getByLabel('走访方向', { exact: true }).selectOption({ label: '外出拜访' });
    await page.getByLabel('走访记录', { exact: true }).fill('与对方董事长会谈，确认用地需求 200 亩');
    await page.getByRole('button', { name: '保存' }).click();
    await shows(page.locator('.timeline li', { hasText: '走访' }), '确认用地需求 200 亩');
    await shows(page.locator('.timeline li', { hasText: '走访' }), '航空港专员');

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
    await shows(page.locator('.timeline li', { hasText: '签约额' }), '航空港专员');
    expect(await page.getByRole('button', { name: '终止' }).count()).toBe(0);

    await page.getByRole('button', { name: '开工' }).click();
    await page.getByLabel('开工投资额(万元)', { exact: true }).fill('60000');
    await page.getByRole('button', { name: '保存' }).click();
    await shows(page.locator('.timeline li', { hasText: '开工投资额' }), '航空港专员');
    await shows(page.locator('.facts'), '开工');

    await page.getByRole('button', { name: '更正' }).click();
    const units = await page.getByLabel('责任单位', { exact: true }).locator('option').allTextContents();
    expect(units).toEqual(['不变', '郑州航空港经济综合实验区']);
    await page.getByLabel('签约额(万元)', { exact: true }).fill('150000');
    await page.getByLabel('原因', { exact: true }).fill('合同补充协议');
    await page.getByRole('button', { name: '保存' }).click();
    await shows(page.locator('.timeline li', { hasText: '更正' }), '签约额(万元)：120,000 → 150,000');
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(page, '04-项目详情-手机');
    await context.close();
  });

  it('新建线索 warns of another unit’s project of the same investor by name (no code on one side), naming that unit only', async () => {
    // Another unit's project, its investor with a credit code; the writer types the name without one,
    // spaced and cased differently (contract §7: the same name with whitespace removed and case folded).
    const other = await admin.request('POST', '/v1/projects', {
      ...leadBody('二七区已有项目', 'Henan Yutong 客车 集团', '2025-02-01T10:00:00+08:00'),
      investor: { name: 'Henan Yutong 客车 集团', creditCode: '91110000600037341L', originRegion: 'henan' },
      unit: 'zz-erqi',
    });
    expect(other.status).toBe(201);
    const { page, context } = await loggedIn(WRITER, { viewport: PHONE });
    await registerLead(page, '客车零部件配套项目', 'henanyutong客车集团');
    await page.getByRole('button', { name: '保存' }).click();
    const warning = page.locator('.warning');
    await shows(warning, '二七区已有该投资方的项目');
    expect(await warning.getByRole('link').count()).toBe(0);
    await shot(page, '06-新建线索-重复提示');
    await page.getByRole('button', { name: '仍然保存' }).click();
    await shows(page.getByRole('heading', { name: '客车零部件配套项目' }));
    await context.close();
  });

  it('新建线索 saves when the duplicate check fails or does not answer', async () => {
    const { page, context } = await loggedIn(WRITER, { viewport: PHONE });
    for (const [name, failure] of [
      ['检查出错时的项目', 'error'],
      ['检查无应答时的项目', 'silence'],
    ] as const) {
      await page.route('**/v1/investor-projects*', (route) =>
        failure === 'error'
          ? route.fulfill({ status: 500, contentType: 'application/json', body: '{"error":{"code":"internal","message":"x"}}' })
          : undefined,
      );
      await registerLead(page, name, `${name}投资方`);
      await page.getByRole('button', { name: '保存' }).click();
      await shows(page.getByRole('heading', { name }));
      await page.unroute('**/v1/investor-projects*');
    }
    expect(await page.getByRole('alert').count()).toBe(0);
    await context.close();
  });

  it('a writer limited to a unit can pick only that unit, and the API refuses another unit too', async () => {
    const { page, context } = await loggedIn(WRITER);
    await go(page, '新建线索');
    const units = await page.getByLabel('责任单位', { exact: true }).locator('option').allTextContents();
    expect(units.filter((u) => u !== '请选择')).toEqual(['郑州航空港经济综合实验区']);
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

  it('a reader is offered no 新建线索 and no write button', async () => {
    const api = await writerApi();
    const created = await api.request('POST', '/v1/projects', leadBody('只读检查项目', '只读检查投资方', '2025-03-01T10:00:00+08:00'));
    const { page, context } = await loggedIn(READER);
    const nav = page.getByRole('navigation', { name: '主导航' });
    await shows(nav.getByRole('link', { name: '项目库' }));
    expect(await nav.getByRole('link', { name: '新建线索' }).count()).toBe(0);
    expect(await nav.getByRole('link', { name: '台账导入' }).count()).toBe(0);
    await page.goto(`${stack.url}/#/projects/${created.body.projectId}`);
    await shows(page.getByRole('heading', { name: '只读检查项目' }));
    await shows(page.getByRole('heading', { name: '时间线' }));
    for (const name of ['记录走访', '基金投资', '签约', '开工', '更正', '终止'])
      expect(await page.getByRole('button', { name, exact: true }).count()).toBe(0);
    await page.goto(`${stack.url}/#/activities`);
    await shows(page.getByRole('heading', { name: '招商活动' }));
    expect(await page.getByRole('button', { name: '保存' }).count()).toBe(0);
    // Typed by hand, the address of 新建线索 shows the project list instead.
    await page.goto(`${stack.url}/#/leads/new`);
    await shows(page.getByRole('heading', { name: '项目库' }));
    await context.close();
  });

  it('the unit writer records a promotion activity on 招商活动 at a phone’s width and finds it listed', async () => {
    const { page, context } = await loggedIn(WRITER, { viewport: PHONE });
    await go(page, '招商活动');
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

  it('台账导入 by the unit writer: 200 rows of which 3 are bad — the preview names those 3, 导入 stores 197; the same file again stores 0; 5 edited rows store 5 corrections', async () => {
    const { page, context } = await loggedIn(WRITER);
    await go(page, '台账导入');
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
    const api = await writerApi();
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
      `SELECT data FROM events WHERE type = 'ProjectCorrected' AND data->>'reason' = '台账导入更正' AND recorded_at > now() - interval '1 minute'`,
    );
    expect(corrections.rows.map((r) => r.data.changes)).toEqual(
      expect.arrayContaining([1, 2, 3, 4, 5].map((i) => ({ plannedInvestmentWan: 9000 + i }))),
    );
    expect(corrections.rowCount).toBe(5);
    await context.close();
  });

  it('pages through 项目库 newest first without repeating or skipping a project, even among equal times', async () => {
    const api = await writerApi();
    const all: Array<{ projectId: string; lastEventAt: string }> = [];
    let cursor: string | null = null;
    let total = -1;
    do {
      const page: { body: { items: typeof all; nextCursor: string | null; total: number } } = await api.request(
        'GET',
        `/v1/projects?limit=7${cursor ? `&cursor=${cursor}` : ''}`,
      );
      all.push(...page.body.items);
      cursor = page.body.nextCursor;
      total = page.body.total;
    } while (cursor);
    // No test moves a project between units: the unit's projects are its leads.
    const stored = await stack.db.pool.query(`SELECT count(*)::int AS n FROM events WHERE type = 'LeadRegistered' AND data->>'unit' = $1`, [
      WRITER_UNIT,
    ]);
    expect(total).toBe(stored.rows[0].n);
    expect(all).toHaveLength(total);
    expect(new Set(all.map((p) => p.projectId)).size).toBe(total);
    const times = all.map((p) => Date.parse(p.lastEventAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // The ledger's rows share one time: the tie is broken by id, and pages still cover each once.
    expect(new Set(times).size).toBeLessThan(total);
  });

  /**
   * Opens every page at a viewport as the person who uses it (the unit writer; 用户管理 as an admin) and
   * answers how far each scrolls sideways; screenshots of each; any file answered 404 is collected in `missing`.
   */
  async function walkEveryPage(viewport: typeof DESKTOP, missing: string[]): Promise<Record<string, number>> {
    const size = String(viewport.width);
    const api = await writerApi();
    const name = '手机宽度检查项目：一个名字相当长的先进制造业配套产业园项目';
    const created = await api.request(
      'POST',
      '/v1/projects',
      leadBody(name, '手机宽度检查投资方有限责任公司', '2025-03-01T10:00:00+08:00'),
    );
    const pages: Array<[string, string, string]> = [
      ['驾驶舱', '#/cockpit', '驾驶舱'],
      ['项目库', '#/projects', '项目库'],
      ['项目详情', `#/projects/${created.body.projectId}`, name],
      ['新建线索', '#/leads/new', '新建线索'],
      ['招商活动', '#/activities', '招商活动'],
      ['台账导入', '#/ledger', '台账导入'],
      ['数据质量', '#/quality', '数据质量'],
      ['修改密码', '#/password', '修改密码'],
    ];
    const overflows: Record<string, number> = {};
    const overflow = (page: Page) => page.evaluate('document.documentElement.scrollWidth - window.innerWidth') as Promise<number>;
    const watch = (page: Page) => page.on('response', (r) => r.status() === 404 && missing.push(r.url()));

    const login = await browser.newContext({ viewport, locale: 'zh-CN' });
    const loginPage = await login.newPage();
    watch(loginPage);
    await loginPage.goto(stack.url);
    await shows(loginPage.getByRole('heading', { name: '登录' }));
    overflows['登录'] = await overflow(loginPage);
    // The page names its icon; the console serves it.
    const icon = await loginPage.evaluate(`document.querySelector('link[rel="icon"]').href`);
    const served = await fetch(icon as string);
    expect([served.status, served.headers.get('content-type')]).toEqual([200, 'image/svg+xml']);
    await shot(loginPage, `walk-${size}-登录`);
    await login.close();

    const { page, context } = await loggedIn(WRITER, { viewport });
    watch(page);
    for (const [title, hash, heading] of pages) {
      await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
      await shows(page.getByRole('heading', { name: heading, level: 1 }));
      await settled(page);
      overflows[title] = await overflow(page);
      await shot(page, `walk-${size}-${title}`);
    }
    if (viewport.width < 700) {
      await page.getByRole('button', { name: '菜单' }).click();
      overflows['菜单'] = await overflow(page);
      await shot(page, `walk-${size}-菜单`);
    }
    await context.close();

    const people = await logIn(browser, stack.url, { username: 'admin', password: CONSOLE_ADMIN_PASSWORD }, { viewport, hash: '#/people' });
    watch(people.page);
    await shows(people.page.getByRole('heading', { name: '用户管理', level: 1 }));
    await settled(people.page);
    overflows['用户管理'] = await overflow(people.page);
    await shot(people.page, `walk-${size}-用户管理`);
    await people.context.close();
    return overflows;
  }

  it('every page fits a phone: no horizontal scrolling at 390 px, no missing file (favicon included)', async () => {
    const missing: string[] = [];
    const overflows = await walkEveryPage(PHONE, missing);
    expect(Object.keys(overflows)).toHaveLength(11);
    expect(Object.entries(overflows).filter(([, by]) => by > 0)).toEqual([]);
    expect(missing).toEqual([]);
  });

  it('every page at 1366×768: no horizontal scrolling, no missing file', async () => {
    const missing: string[] = [];
    const overflows = await walkEveryPage(DESKTOP, missing);
    expect(Object.entries(overflows).filter(([, by]) => by > 0)).toEqual([]);
    expect(missing).toEqual([]);
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
    // 用户管理 is the admin's page: walked by an admin.
    await adminPage.getByLabel('用户名', { exact: true }).fill('admin');
    await adminPage.getByLabel('密码', { exact: true }).fill(CONSOLE_ADMIN_PASSWORD);
    await adminPage.getByRole('button', { name: '登录' }).click();
    await go(adminPage, '用户管理');
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
    const { page, context } = await loggedIn(WRITER);
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'ipsession', httpOnly: true, sameSite: 'Strict' });
    await page.getByRole('button', { name: '退出' }).click();
    await shows(page.getByRole('heading', { name: '登录' }));
    const replay = await fetch(`${stack.url}/v1/projects`, { headers: { cookie: `${cookie.name}=${cookie.value}` } });
    expect(replay.status).toBe(401);
    await context.close();
  });
  // Last: it closes 2025-Q1, after which every entry dated in that quarter is a late one.
  it('数据质量 names the rule and the event in Chinese, not by ids', async () => {
    expect((await admin.request('POST', '/v1/periods/2025-Q1/close', { reason: '一季度关账' })).status).toBe(201);
    const api = await writerApi();
    const lead = await api.request('POST', '/v1/projects', leadBody('关账后补录项目', '补录投资方', '2025-02-01T10:00:00+08:00'));
    expect(lead.status).toBe(201);
    const visit = { direction: 'inbound', occurredAt: '2025-02-10T10:00:00+08:00' };
    const visited = await api.request('POST', `/v1/projects/${lead.body.projectId}/visits`, visit);
    expect(visited.status).toBe(201);
    // The flags answer no minPosition and are kept between reads: wait until the API lists the late visit.
    const flagged = async () =>
      (await api.request('GET', '/v1/quality/flags?rule=late_entry_closed_period&limit=500')).body.items.some(
        (f: { projectIds: string[] }) => f.projectIds.includes(lead.body.projectId),
      );
    for (let tries = 0; !(await flagged()); tries++) {
      expect(tries).toBeLessThan(30);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const { page, context } = await loggedIn(WRITER);
    await go(page, '数据质量');
    const flag = page.locator('li[data-rule="late_entry_closed_period"]', { has: page.getByRole('link', { name: '关账后补录项目' }) });
    await shows(flag, '补录「走访」');
    const text = (await flag.textContent())!;
    expect(text).toContain('关账后补录');
    expect(text).toContain('2025年第1季度');
    expect(text).toContain('发生于 2025-02-10 10:00');
    expect(text).not.toMatch(/LeadRegistered|事件 [0-9a-f]{8}/);
    await shot(page, '12-数据质量');
    await context.close();
  });
});
