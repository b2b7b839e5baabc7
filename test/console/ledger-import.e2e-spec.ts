import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Browser } from 'playwright-core';
import { LEDGER_COLUMNS } from '@app/ledger';
import { DESKTOP, PHONE, SCREENSHOTS, go, launchBrowser, logIn, screenshot } from '../support/browser';
import { CONSOLE_ADMIN_PASSWORD, ConsoleClient, startConsole, type ConsoleStack } from '../support/console';
import { leadBody } from '../support/fixtures';
import { ledgerRow, uploadLedger } from '../support/ledger';

const PASSWORD = 'a long passphrase';
const AIRPORT = '郑州航空港经济综合实验区';
const ERQI_CODE = 'zz-erqi';

/**
 * A ledger as an office keeps one: a merged title, a blank row, a 填报单位 line, then headers with
 * 签约额 in 亿元 and the template's earlier 发生时间; Chinese dates, a date cell, full-width digits,
 * thousands separators, a bad date, another unit's row and a 合计 row.
 */
async function officeLedger(otherUnitName: string): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('2025年台账');
  const headers = ['序号', ...LEDGER_COLUMNS.map((c) => (c === '签约额(万元)' ? '签约额（亿元）' : c === '线索登记时间' ? '发生时间' : c))];
  sheet.mergeCells(1, 1, 1, headers.length);
  sheet.getCell(1, 1).value = '2025年郑州航空港区招商引资项目台账';
  sheet.addRow([]);
  sheet.addRow(['填报单位：航空港区招商局', null, null, '填报时间：2025年6月30日']);
  sheet.addRow(headers);
  const add = (n: number, values: Record<string, unknown>) => {
    const row: Record<string, unknown> = { 序号: n, ...ledgerRow(n, { 责任单位: AIRPORT }), ...values };
    const cells = headers.map((h) => {
      if (h === '签约额（亿元）') return row['签约额（亿元）'] ?? null;
      if (h === '发生时间') return row['线索登记时间'] ?? null;
      return row[h] ?? null;
    });
    sheet.addRow(cells);
  };
  add(1, {
    项目名称: '航空港甲项目',
    '计划投资额(万元)': '150,000',
    '签约额（亿元）': 12.3456,
    签约时间: '2025年3月5日',
    线索登记时间: '2025.1.15',
  });
  add(2, { 项目名称: '航空港乙项目', '计划投资额(万元)': '５００００', 线索登记时间: new Date(Date.UTC(2025, 1, 10, 9, 30)) });
  add(3, {
    项目名称: '航空港丙项目',
    '计划投资额(万元)': '１２，０００',
    '签约额（亿元）': '0.00005',
    签约时间: '2025/4/1 14:00',
    线索登记时间: '2025-02-01',
  });
  add(4, { 项目名称: '航空港丁项目', '签约额（亿元）': 1, 签约时间: '2025年13月5日' });
  add(5, { 项目名称: '二七区项目', 责任单位: otherUnitName });
  sheet.addRow(['合计', null, null, null, null, null, null, null, null, null, null, 212000]);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

describe('台账导入 of an office file, as a writer limited to one unit (real PostgreSQL and Kafka, Chromium)', () => {
  let stack: ConsoleStack;
  let browser: Browser;
  let admin: ConsoleClient;
  let writer: ConsoleClient;
  let file: Buffer;
  let erqiName: string;

  beforeAll(async () => {
    stack = await startConsole();
    browser = await launchBrowser();
    admin = new ConsoleClient(stack.url);
    await admin.login('admin', CONSOLE_ADMIN_PASSWORD);
    for (const username of ['airport.ledger', 'airport.phone']) {
      const created = await admin.request('POST', '/v1/people', {
        username,
        displayName: '航空港填报员',
        role: 'writer',
        password: PASSWORD,
        units: ['zz-airport'],
      });
      expect(created.status).toBe(201);
    }
    writer = new ConsoleClient(stack.url, '192.0.2.61');
    await writer.login('airport.ledger', PASSWORD);
    const reference = await admin.request('GET', '/v1/reference');
    erqiName = reference.body.units.find((u: { code: string }) => u.code === ERQI_CODE).name;
    file = await officeLedger(erqiName);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('the preview: the header row under the titles, 亿元 converted, dates and digits read, the 合计 row skipped, each refusal with its value and the accepted form; the import stores the right amounts', async () => {
    const preview = await uploadLedger(writer, '/v1/ledger/preview', file);
    expect(preview.status).toBe(200);
    const body = preview.body;
    expect(body).toMatchObject({ headerRow: 4, rows: 5, validRows: 3, changedRows: 3, commands: 5, moreIssues: 0 });
    expect(body.columns).toContainEqual({
      header: '签约额（亿元）',
      column: '签约额(万元)',
      note: '签约额（亿元）：按 1 亿元 = 10,000 万元换算为万元',
    });
    expect(body.columns).toContainEqual({ header: '发生时间', column: '线索登记时间' });
    expect(body.skipped).toEqual([{ row: 10, reason: '“合计”行，不导入' }]);
    expect(body.issues).toEqual([
      {
        row: 8,
        column: '签约时间',
        reason: '“2025年13月5日”不是有效日期，应为 2025-03-05 或 2025年3月5日（可加时间，如 2025-03-05 10:00）',
      },
      { row: 9, column: '责任单位', reason: `“${erqiName}”不在你负责的单位内（你可导入：${AIRPORT}）` },
    ]);
    expect(body.notes).toEqual([
      { row: 7, column: '签约额(万元)', reason: '“0.00005”亿元 = 0.5 万元，四舍五入为 1 万元' },
      { row: 7, column: '签约额(万元)', reason: '请核对：签约额 1 万元不到计划投资额 12,000 万元的 1%（单位是万元还是亿元？）' },
    ]);
    const entries = Object.fromEntries(body.entries.map((e: any) => [e.row, e]));
    expect(entries[5]).toMatchObject({
      status: 'new',
      values: {
        项目名称: '航空港甲项目',
        '计划投资额(万元)': '150,000',
        '签约额(万元)': '123,456',
        签约时间: '2025-03-05 00:00',
        线索登记时间: '2025-01-15 00:00',
        责任单位: AIRPORT,
        投资方来源地区: '长三角',
        招商方式: '产业链招商、基金招商',
      },
    });
    expect(entries[6]).toMatchObject({ status: 'new', values: { '计划投资额(万元)': '50,000', 线索登记时间: '2025-02-10 09:30' } });
    expect(entries[7]).toMatchObject({
      status: 'new',
      values: { '计划投资额(万元)': '12,000', '签约额(万元)': '1', 签约时间: '2025-04-01 14:00' },
    });
    expect(entries[8]).toMatchObject({ status: 'refused', values: { 签约时间: '2025年13月5日' } });
    expect(entries[9].status).toBe('refused');

    const imported = await uploadLedger(writer, '/v1/ledger', file);
    expect(imported.status).toBe(200);
    expect(imported.body).toMatchObject({ rows: 5, storedRows: 3, commands: 5, refused: [] });
    const stored = async (name: string) => {
      const list = await writer.request('GET', `/v1/projects?unit=zz-airport&minPosition=${imported.body.position}`);
      const found = list.body.items.find((p: { name: string }) => p.name === name);
      return (await writer.request('GET', `/v1/projects/${found.projectId}`)).body;
    };
    expect(await stored('航空港甲项目')).toMatchObject({
      plannedInvestmentWan: 150000,
      signedAmountWan: 123456,
      signedAt: '2025-03-04T16:00:00.000Z',
      leadAt: '2025-01-14T16:00:00.000Z',
      stage: 'signed',
    });
    expect(await stored('航空港乙项目')).toMatchObject({ plannedInvestmentWan: 50000, leadAt: '2025-02-10T01:30:00.000Z', stage: 'lead' });
    expect(await stored('航空港丙项目')).toMatchObject({ plannedInvestmentWan: 12000, signedAmountWan: 1 });

    // The same file again: nothing new.
    expect((await uploadLedger(writer, '/v1/ledger/preview', file)).body).toMatchObject({ validRows: 3, changedRows: 0 });
  }, 120_000);

  it("another unit's project is neither confirmed nor changed: by 项目编号 or by name + investor + unit, the answer is the same as for no project", async () => {
    const lead = leadBody({ unit: ERQI_CODE, name: '二七区保密项目', plannedInvestmentWan: 88888 }) as any;
    const registered = await admin.request('POST', '/v1/projects', lead);
    expect(registered.status).toBe(201);
    const events = async () => (await stack.db.pool.query('SELECT count(*)::int AS n FROM events')).rows[0].n;
    const before = await events();
    const sheet = async (rows: Array<Record<string, unknown>>) => {
      const workbook = new ExcelJS.Workbook();
      const ws = workbook.addWorksheet('台账');
      ws.addRow([...LEDGER_COLUMNS]);
      for (const row of rows) ws.addRow(LEDGER_COLUMNS.map((c) => row[c] ?? null));
      return Buffer.from(await workbook.xlsx.writeBuffer());
    };
    const unknownId = '0b7e4a1c-5d7e-4f2a-9c3b-1a2b3c4d5e6f';
    const byId = (id: string, planned: number) => ledgerRow(1, { 项目编号: id, 责任单位: AIRPORT, '计划投资额(万元)': planned });
    const byName = (planned: number) =>
      ledgerRow(1, { 项目名称: lead.name, 投资方名称: lead.investor.name, 责任单位: erqiName, '计划投资额(万元)': planned });

    const answers = [];
    for (const rows of [[byId(lead.projectId, 88888)], [byId(lead.projectId, 1)], [byId(unknownId, 88888)]]) {
      answers.push((await uploadLedger(writer, '/v1/ledger/preview', await sheet(rows))).body);
    }
    for (const answer of answers) {
      expect(answer).toMatchObject({ rows: 1, validRows: 0, changedRows: 0, commands: 0 });
      expect(answer.issues).toHaveLength(1);
      expect(answer.issues[0].column).toBe('项目编号');
    }
    expect(answers[0].issues[0].reason).toBe(`“${lead.projectId}”没有找到：须是你负责单位的已登记项目；新项目请留空`);
    expect(answers[0].issues[0].reason.replace(lead.projectId, unknownId)).toBe(answers[2].issues[0].reason);
    expect(answers[0].entries).toEqual(
      answers[1].entries.map((e: any) => ({ ...e, values: { ...e.values, '计划投资额(万元)': '88,888' } })),
    );

    const sameAmount = (await uploadLedger(writer, '/v1/ledger/preview', await sheet([byName(88888)]))).body;
    const otherAmount = (await uploadLedger(writer, '/v1/ledger/preview', await sheet([byName(1)]))).body;
    for (const answer of [sameAmount, otherAmount]) {
      expect(answer).toMatchObject({ validRows: 0, changedRows: 0, commands: 0 });
      expect(answer.issues).toEqual([{ row: 2, column: '责任单位', reason: `“${erqiName}”不在你负责的单位内（你可导入：${AIRPORT}）` }]);
    }

    for (const rows of [[byId(lead.projectId, 1)], [byName(1)]]) {
      expect((await uploadLedger(writer, '/v1/ledger', await sheet(rows))).body).toMatchObject({ storedRows: 0, commands: 0 });
    }
    expect(await events()).toBe(before);
    expect((await admin.request('GET', `/v1/projects/${lead.projectId}`)).body).toMatchObject({ plannedInvestmentWan: 88888, version: 1 });
  }, 120_000);

  it('in Chromium at a phone’s width: the unit writer uploads the office file and sees the converted values and the refusal with its bad value', async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const path = join(SCREENSHOTS, '..', 'ledger-office.xlsx');
    writeFileSync(path, file);
    for (const [username, viewport, name] of [
      ['airport.phone', PHONE, '12-台账导入-办公室文件-手机'],
      ['airport.ledger', DESKTOP, '12-台账导入-办公室文件'],
    ] as const) {
      const { page, context } = await logIn(browser, stack.url, { username, password: PASSWORD }, { viewport, address: '192.0.2.62' });
      await go(page, '台账导入');
      await page.getByLabel('选择台账文件（.xlsx）', { exact: true }).setInputFiles(path);
      const values = page.getByRole('table', { name: '导入内容' });
      await values.waitFor({ state: 'visible', timeout: 15_000 });
      const first = values.getByRole('row').filter({ hasText: '航空港甲项目' });
      await expect(first.textContent()).resolves.toContain('123,456');
      await expect(first.textContent()).resolves.toContain('2025-03-05 00:00');
      const errors = page.getByRole('table', { name: '错误' });
      await expect(errors.textContent()).resolves.toContain('“2025年13月5日”不是有效日期，应为 2025-03-05 或 2025年3月5日');
      await expect(page.getByRole('list', { name: '读取说明' }).textContent()).resolves.toContain(
        '签约额（亿元）：按 1 亿元 = 10,000 万元换算为万元',
      );
      await expect(page.getByRole('list', { name: '读取说明' }).textContent()).resolves.toContain('第 10 行：“合计”行，不导入');
      await expect(page.getByRole('status').filter({ hasText: '共 5 行' }).textContent()).resolves.toContain('0 行有新内容');
      if (viewport === PHONE) {
        const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
        expect(overflow).toBeLessThanOrEqual(0);
      }
      await screenshot(page, name);
      await context.close();
    }
  }, 120_000);
});
