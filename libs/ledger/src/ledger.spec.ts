import { evolve, type ProjectEvent, type ProjectState } from '@app/domain';
import { reference } from '../../../test/support/fixtures';
import { ledgerRow } from '../../../test/support/ledger';
import ExcelJS from 'exceljs';
import { ledgerTemplate, planRow, readRow, type AmountUnits, type ImportScope } from './ledger';
import { LEDGER_COLUMNS, ledgerTable, type LedgerRow } from './table';
import { readFirstSheet } from './xlsx';

const ctx = { ref: reference, now: new Date('2025-12-31T00:00:00Z') };
const rowOf = (cells: Record<string, unknown>, row = 2): LedgerRow => ({ row, cells: cells as LedgerRow['cells'] });
const everyUnit: ImportScope = { units: null };
const planOf = (row: LedgerRow, stored: ProjectState | null, scope = everyUnit, units: AmountUnits = {}) =>
  planRow(row, readRow(row, units, reference), stored, ctx, scope);
const [firstUnit, secondUnit] = [...reference.units];

/** The project as the commands of a plan would leave it (what the read models then hold). */
function stored(commands: Record<string, unknown>[]): ProjectState {
  let state: ProjectState | null = null;
  for (const { type, projectId, occurredAt, ...data } of commands) {
    const at = new Date(Date.parse(occurredAt as string)).toISOString();
    const event =
      type === 'RegisterLead'
        ? { type: 'LeadRegistered', occurredAt: at, data: { projectId, ...data } }
        : type === 'SignProject'
          ? { type: 'ProjectSigned', occurredAt: at, data: { projectId, signedAmountWan: data.signedAmountWan } }
          : { type: 'ProjectStarted', occurredAt: at, data: { projectId, startedInvestmentWan: data.startedInvestmentWan } };
    state = evolve(state, event as ProjectEvent);
  }
  return state!;
}

describe('a ledger row', () => {
  it('of a new project: its lead (Beijing time, names turned into codes), then its signing', () => {
    const plan = planOf(rowOf(ledgerRow(10)), null);
    expect(plan.issues).toEqual([]);
    expect(plan.commands.map((c) => c.type)).toEqual(['RegisterLead', 'SignProject']);
    expect(plan.commands[0]).toMatchObject({
      investor: { originRegion: 'yrd' },
      industry: { sector: 'emerging' },
      industrial: true,
      channels: ['industry_chain', 'fund'],
      occurredAt: '2025-03-01T10:00:00+08:00',
    });
    expect(plan.commands[1]).toMatchObject({ signedAmountWan: 5000, occurredAt: '2025-04-01T10:00:00+08:00' });
  });

  it('of a project stored as the row says: nothing', () => {
    const first = planOf(rowOf(ledgerRow(10)), null);
    expect(planOf(rowOf(ledgerRow(10)), stored(first.commands))).toEqual({ commands: [], issues: [], status: 'unchanged' });
  });

  it('edited: one correction of what differs, and the stages not yet recorded', () => {
    const first = planOf(rowOf(ledgerRow(3)), null);
    const edited = planOf(
      rowOf(ledgerRow(3, { '计划投资额(万元)': 8888, '签约额(万元)': 100, 签约时间: '2025-05-01' })),
      stored(first.commands),
    );
    expect(edited.commands.map((c) => c.type)).toEqual(['CorrectProject', 'SignProject']);
    expect(edited.commands[0]).toMatchObject({ changes: { plannedInvestmentWan: 8888 }, reason: '台账导入更正' });
    expect(edited.commands[1]).toMatchObject({ signedAmountWan: 100, occurredAt: '2025-05-01T00:00:00+08:00' });
  });

  it('with bad cells: no command, and each bad cell named by row, column and a reason in Chinese', () => {
    const plan = planOf(rowOf(ledgerRow(4, { 责任单位: '火星开发区', '签约额(万元)': 0, 签约时间: '2025-04-01' }), 7), null);
    expect(plan.commands).toEqual([]);
    expect(plan.status).toBe('refused');
    expect(plan.issues).toEqual([
      { row: 7, column: '责任单位', reason: expect.stringMatching(/^“火星开发区”不是有效的责任单位，应为列表中的名称（如 .+）$/) },
      { row: 7, column: '签约额(万元)', reason: '“0”必须是大于 0 的整数（万元）' },
    ]);
  });
});

describe('a ledger row as offices type it', () => {
  it('full-width digits, thousands separators, a 亿元 column, Chinese dates: the values as they will be stored', () => {
    const row = rowOf(
      ledgerRow(1, {
        '计划投资额(万元)': '１２，０００',
        '签约额(万元)': '1.2345',
        签约时间: '2025年4月1日 14:30',
        线索登记时间: '2025.3.5',
      }),
    );
    const read = readRow(row, { '签约额(万元)': '亿元' }, reference);
    expect(read.issues).toEqual([]);
    expect(read.values).toMatchObject({
      '计划投资额(万元)': '12,000',
      '签约额(万元)': '12,345',
      签约时间: '2025-04-01 14:30',
      线索登记时间: '2025-03-05 00:00',
      投资方来源地区: '长三角',
      招商方式: '产业链招商、基金招商',
      工业项目: '是',
      责任单位: firstUnit[1].name,
    });
    const plan = planRow(row, read, null, ctx, everyUnit);
    expect(plan.commands.map((c) => [c.type, c.plannedInvestmentWan ?? c.signedAmountWan, c.occurredAt])).toEqual([
      ['RegisterLead', 12000, '2025-03-05T00:00:00+08:00'],
      ['SignProject', 12345, '2025-04-01T14:30:00+08:00'],
    ]);
  });

  it('a decimal in 万元 is rounded, with a note; an amount under 1 % of the plan is stored but warned of', () => {
    const read = readRow(
      rowOf(ledgerRow(1, { '计划投资额(万元)': 120000, '签约额(万元)': '０.５', 签约时间: '2025-04-01' })),
      {},
      reference,
    );
    expect(read.issues).toEqual([]);
    expect(read.notes).toEqual([
      { row: 2, column: '签约额(万元)', reason: '“０.５”四舍五入为 1 万元' },
      { row: 2, column: '签约额(万元)', reason: '请核对：签约额 1 万元不到计划投资额 120,000 万元的 1%（单位是万元还是亿元？）' },
    ]);
  });

  it('a bad date: refused with the value and the accepted form, nothing else said of that column', () => {
    const plan = planOf(rowOf(ledgerRow(1, { 签约额: undefined, '签约额(万元)': 100, 签约时间: '2025年13月5日' })), null);
    expect(plan.issues).toEqual([
      {
        row: 2,
        column: '签约时间',
        reason: '“2025年13月5日”不是有效日期，应为 2025-03-05 或 2025年3月5日（可加时间，如 2025-03-05 10:00）',
      },
    ]);
  });

  it('a signing amount without its time, and a time without its amount, are refused', () => {
    expect(planOf(rowOf(ledgerRow(1, { '签约额(万元)': 100 })), null).issues).toEqual([
      { row: 2, column: '签约时间', reason: '填写了签约额时必填' },
    ]);
    expect(planOf(rowOf(ledgerRow(1, { 开工时间: '2025-05-01' })), null).issues).toEqual([
      { row: 2, column: '开工投资额(万元)', reason: '填写了开工时间时必填' },
    ]);
  });

  it("a row of another unit than the importer's is refused with the reason, before anything is planned", () => {
    const scope = { units: [firstUnit[0]] };
    const plan = planOf(rowOf(ledgerRow(1, { 责任单位: secondUnit[1].name })), null, scope);
    expect(plan).toEqual({
      commands: [],
      status: 'refused',
      issues: [{ row: 2, column: '责任单位', reason: `“${secondUnit[1].name}”不在你负责的单位内（你可导入：${firstUnit[1].name}）` }],
    });
    expect(planOf(rowOf(ledgerRow(1)), null, scope).status).toBe('new');
  });

  it('a 项目编号 that names no project the importer may see is the unknown-project message, whether or not it exists elsewhere', () => {
    const id = '0b7e4a1c-5d7e-4f2a-9c3b-1a2b3c4d5e6f';
    expect(planOf(rowOf(ledgerRow(1, { 项目编号: id })), null).issues).toEqual([
      { row: 2, column: '项目编号', reason: `“${id}”没有找到：须是你负责单位的已登记项目；新项目请留空` },
    ]);
  });
});

describe('the template', () => {
  it('drop-downs on the pick-list columns (units: the person’s only), an example row that is never imported, 填写说明, 线索登记时间', async () => {
    const file = await ledgerTemplate(reference, [firstUnit[0]]);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(file as unknown as ArrayBuffer);
    expect(workbook.worksheets.map((w) => w.name)).toEqual(['台账', '填写说明', '代码表']);
    const sheet = workbook.getWorksheet('台账')!;
    expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual([...LEDGER_COLUMNS]);
    const unitColumn = LEDGER_COLUMNS.indexOf('责任单位') + 1;
    expect(sheet.getCell(500, unitColumn).dataValidation).toMatchObject({ type: 'list', formulae: ["'代码表'!$A$2:$A$2"] });
    expect(workbook.getWorksheet('代码表')!.getCell('A2').value).toBe(firstUnit[1].name);
    expect(workbook.getWorksheet('代码表')!.getCell('A3').value).toBeNull();
    const industrial = sheet.getCell(2, LEDGER_COLUMNS.indexOf('工业项目') + 1).dataValidation;
    expect(industrial).toMatchObject({ type: 'list', formulae: ["'代码表'!$F$2:$F$3"] });
    expect(workbook.getWorksheet('填写说明')!.getColumn(1).values).toEqual(expect.arrayContaining(['线索登记时间', '计划投资额(万元)']));

    const table = ledgerTable(await readFirstSheet(file));
    expect(table.rows).toEqual([]);
    expect(table.skipped).toEqual([{ row: 2, reason: '模板的示例行，不导入' }]);
  });
});

describe('a 项目库 export uploaded as a ledger', () => {
  it('names the project by 项目ID (not the short 项目编号) and drops the quote prefix before formula-like text', () => {
    const id = '0b7e5b8e-3f1a-4c2d-9e8f-1a2b3c4d5e6f';
    const headers = ['序号', ...LEDGER_COLUMNS, '项目ID'];
    const values: Record<string, string | number> = {
      序号: 1,
      项目编号: 'XM2025-0B7E5B8E',
      项目名称: "'=1+2 导出测试项目",
      投资方名称: "'@某投资方",
      项目ID: id,
    };
    const table = ledgerTable([
      { row: 1, cells: headers },
      { row: 2, cells: headers.map((h) => values[h] ?? '') },
    ]);
    const idColumns = table.columns.filter((c) => c.column === '项目编号');
    expect(idColumns).toEqual([{ header: '项目ID', column: '项目编号' }]);
    expect(table.rows[0].cells).toMatchObject({ 项目编号: id, 项目名称: '=1+2 导出测试项目', 投资方名称: '@某投资方' });
  });
});
