import ExcelJS from 'exceljs';
import { rowXml, xlsxOf } from '../../../test/support/ledger';
import { LEDGER_COLUMNS, LedgerError, ledgerTable } from './table';
import { NotAWorkbook, UPLOAD_LIMITS, UploadTooLarge, readFirstSheet } from './xlsx';

/** A ledger as an office keeps one: a merged title, a blank row, a 填报单位 line, then the headers (some in 亿元, the old 发生时间). */
async function officeLedger(): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('2025年台账');
  const headers = ['序号', ...LEDGER_COLUMNS.map((c) => (c === '签约额(万元)' ? '签约额（亿元）' : c === '线索登记时间' ? '发生时间' : c))];
  sheet.mergeCells(1, 1, 1, headers.length);
  sheet.getCell(1, 1).value = '2025年招商引资项目台账';
  sheet.addRow([]);
  sheet.addRow(['填报单位：航空港区', null, null, '填报时间：2025年3月']);
  sheet.addRow(headers.map((h, i) => (i === 2 ? ` ${h}\n` : h)));
  const row = (values: Record<string, unknown>) => sheet.addRow(headers.map((h) => values[h] ?? null));
  row({
    序号: 1,
    项目名称: '甲项目',
    投资方名称: '甲公司',
    '计划投资额(万元)': '５００００',
    '签约额（亿元）': 1.5,
    发生时间: new Date(Date.UTC(2025, 2, 5, 10, 30)),
  });
  row({
    序号: 2,
    项目名称: '乙项目',
    投资方名称: '乙公司',
    '计划投资额(万元)': { formula: '1000*12', result: 12000 },
    发生时间: '2025年3月5日',
  });
  row({ 序号: '合 计', '计划投资额(万元)': 62000 });
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

describe('reading an upload', () => {
  it('finds the header row below a merged title, a blank row and a 填报单位 line; reads date cells as Excel dates; sets the 合计 row aside', async () => {
    const table = ledgerTable(await readFirstSheet(await officeLedger()));
    expect(table.headerRow).toBe(4);
    expect(table.columns).toEqual(
      expect.arrayContaining([
        { header: '项目名称', column: '项目名称' },
        { header: '签约额（亿元）', column: '签约额(万元)', unit: '亿元' },
        { header: '发生时间', column: '线索登记时间' },
        { header: '计划投资额(万元)', column: '计划投资额(万元)', unit: '万元' },
      ]),
    );
    expect(table.rows).toEqual([
      {
        row: 5,
        cells: {
          项目名称: '甲项目',
          投资方名称: '甲公司',
          '计划投资额(万元)': '５００００',
          '签约额(万元)': 1.5,
          线索登记时间: { excelDate: 45721.4375 },
        },
      },
      { row: 6, cells: { 项目名称: '乙项目', 投资方名称: '乙公司', '计划投资额(万元)': 12000, 线索登记时间: '2025年3月5日' } },
    ]);
    expect(table.skipped).toEqual([{ row: 7, reason: '“合 计”行，不导入' }]);
  });

  it('names the missing columns of the best header row, and a column given twice', async () => {
    const missing = await xlsxOf([rowXml(1, ['台账']), rowXml(2, ['项目名称', '投资方名称', '责任单位', '产业链'])]);
    expect(() => ledgerTable([])).toThrow(LedgerError);
    await expect(readFirstSheet(missing).then(ledgerTable)).rejects.toThrow(
      '第 2 行的表头缺少列：投资方来源地区、产业类别、工业项目、招商方式、计划投资额(万元)、线索登记时间（请使用模板）',
    );
    const twice = await xlsxOf([rowXml(1, [...LEDGER_COLUMNS, '签约额（亿元）'])]);
    await expect(readFirstSheet(twice).then(ledgerTable)).rejects.toThrow('列重复：“签约额(万元)”和“签约额（亿元）”是同一列');
  });

  it('refuses what is not an .xlsx', async () => {
    await expect(readFirstSheet(Buffer.from('项目名称,投资方名称\n'))).rejects.toThrow(NotAWorkbook);
  });
});

describe('the caps of an upload', () => {
  const limits = { ...UPLOAD_LIMITS, rows: 10, columns: 5, cellChars: 20, inflatedBytes: 256 * 1024 };
  const capOf = (promise: Promise<unknown>) =>
    promise.then(
      () => 'none',
      (error) => (error instanceof UploadTooLarge ? `${error.cap}: ${error.message}` : String(error)),
    );
  const rows = (n: number, cells: (i: number) => Array<string | null>) => Array.from({ length: n }, (_, i) => rowXml(i + 1, cells(i)));

  it('non-empty rows: the cap holds, one more is refused; empty rows do not count', async () => {
    expect(await capOf(readFirstSheet(await xlsxOf(rows(10, (i) => [`r${i}`])), limits))).toBe('none');
    expect(await capOf(readFirstSheet(await xlsxOf([...rows(10, (i) => [`r${i}`]), rowXml(11, [null, 'x'])]), limits))).toBe(
      'rows: 非空行超过 10 行的上限，请分成几个文件上传',
    );
    expect(await capOf(readFirstSheet(await xlsxOf([...rows(10, (i) => [`r${i}`]), rowXml(11, [null, '  '])]), limits))).toBe('none');
  });

  it('columns: a value in the 6th column of 5 is refused, an empty cell there is not', async () => {
    expect(await capOf(readFirstSheet(await xlsxOf([rowXml(1, ['a', null, null, null, 'e'])]), limits))).toBe('none');
    expect(await capOf(readFirstSheet(await xlsxOf([rowXml(1, ['a', null, null, null, null, 'f'])]), limits))).toBe(
      'columns: 列数超过 5 列的上限（第 1 行第 6 列）',
    );
  });

  it('cell length: 20 characters pass, 21 are refused', async () => {
    expect(await capOf(readFirstSheet(await xlsxOf([rowXml(1, ['字'.repeat(20)])]), limits))).toBe('none');
    expect(await capOf(readFirstSheet(await xlsxOf([rowXml(1, ['字'.repeat(21)])]), limits))).toBe(
      'cellChars: 单元格内容超过 20 个字符的上限（第 1 行第 1 列）',
    );
  });

  it('inflated size: refused from the declared sizes, and from the bytes actually inflated when the headers lie', async () => {
    const bomb = () => Array.from({ length: 20_000 }, () => '<row><c><v></v></c></row>');
    const honest = await xlsxOf(bomb());
    expect(honest.length).toBeLessThan(4_000);
    expect(await capOf(readFirstSheet(honest, limits))).toBe('inflatedBytes: 文件解压后超过 0.25 MB 的上限');
    const lying = await xlsxOf(bomb(), { declaredSheetSize: 100 });
    expect(await capOf(readFirstSheet(lying, limits))).toBe('inflatedBytes: 文件解压后超过 0.25 MB 的上限');
    expect(await capOf(readFirstSheet(lying, { ...limits, inflatedBytes: 1_000_000 }))).toBe('none');
  });
});
