import ExcelJS from 'exceljs';
import { LEDGER_COLUMNS } from '@app/ledger';
import type { ReferenceData } from '@app/reference-data';

/** A ledger of `rows` new projects (a tenth of them signed), as people fill one in: Chinese names, Beijing times. */
export async function ledgerWorkbook(reference: ReferenceData, rows: number, tag: string): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('台账');
  sheet.addRow([...LEDGER_COLUMNS]);
  const units = [...reference.units.values()].map((u) => u.name);
  const chains = [...reference.chains.values()].map((c) => c.name);
  for (let i = 0; i < rows; i++) {
    const signed = i % 10 === 0;
    const row: Record<string, unknown> = {
      项目名称: `台账项目-${tag}-${i}`,
      投资方名称: `台账投资方${tag}-${i}有限公司`,
      投资方来源地区: '长三角',
      产业链: chains[i % chains.length],
      产业类别: '新兴产业',
      工业项目: i % 2 === 0 ? '是' : '否',
      招商方式: '产业链招商、基金招商',
      责任单位: units[i % units.length],
      '计划投资额(万元)': 1000 + i,
      线索登记时间: '2025-03-01 10:00',
      ...(signed ? { '签约额(万元)': 5000, 签约时间: '2025-04-01 10:00' } : {}),
    };
    sheet.addRow(LEDGER_COLUMNS.map((c) => row[c] ?? null));
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/**
 * Seconds to import a ledger through the console as the page does: log in, preview, then
 * `POST /v1/ledger` 1,000 rows at a time. Throws unless every row is stored.
 */
export async function ledgerImportSeconds(consoleUrl: string, password: string, file: Buffer, rows: number): Promise<number> {
  const login = await fetch(`${consoleUrl}/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const headers = { cookie: login.headers.get('set-cookie')!.split(';')[0], 'x-csrf-token': csrfToken };
  const form = (fields: Record<string, number> = {}) => {
    const body = new FormData();
    body.append('file', new Blob([file]), 'ledger.xlsx');
    for (const [name, value] of Object.entries(fields)) body.append(name, String(value));
    return body;
  };
  const started = performance.now();
  const preview = (await (await fetch(`${consoleUrl}/v1/ledger/preview`, { method: 'POST', headers, body: form() })).json()) as {
    validRows: number;
  };
  if (preview.validRows !== rows) throw new Error(`preview: ${JSON.stringify(preview)}`);
  let stored = 0;
  for (let from = 2; from <= rows + 1; from += 1000) {
    const answer = await fetch(`${consoleUrl}/v1/ledger`, {
      method: 'POST',
      headers,
      body: form({ fromRow: from, toRow: Math.min(rows + 1, from + 999) }),
    });
    stored += ((await answer.json()) as { storedRows: number }).storedRows;
  }
  if (stored !== rows) throw new Error(`stored ${stored} of ${rows} rows`);
  return (performance.now() - started) / 1000;
}
