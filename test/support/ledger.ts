import ExcelJS from 'exceljs';
import { LEDGER_COLUMNS } from '@app/ledger';
import { reference } from './fixtures';

/** A ledger row as people fill one in: Chinese names, Beijing times without an offset. */
export function ledgerRow(i: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const signed = i % 10 === 0;
  return {
    项目名称: `台账项目-${i}`,
    投资方名称: `台账投资方${i}有限公司`,
    投资方来源地区: '长三角',
    产业链: [...reference.chains.values()][0].name,
    产业类别: '新兴产业',
    工业项目: '是',
    招商方式: '产业链招商、基金招商',
    责任单位: [...reference.units.values()][0].name,
    '计划投资额(万元)': 1000 + i,
    发生时间: '2025-03-01 10:00',
    ...(signed ? { '签约额(万元)': 5000, 签约时间: '2025-04-01 10:00' } : {}),
    ...overrides,
  };
}

export async function ledgerFile(path: string, rows: ReadonlyArray<Record<string, unknown>>): Promise<void> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('台账');
  sheet.addRow([...LEDGER_COLUMNS]);
  for (const row of rows) sheet.addRow(LEDGER_COLUMNS.map((c) => row[c] ?? null));
  await workbook.xlsx.writeFile(path);
}
