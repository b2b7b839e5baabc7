import * as zlib from 'node:zlib';
import ExcelJS from 'exceljs';
import { LEDGER_COLUMNS } from '@app/ledger';
import type { ConsoleClient } from './console';
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
    线索登记时间: '2025-03-01 10:00',
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

/** Sends a ledger file as the page does (multipart/form-data) to /v1/ledger/preview or /v1/ledger. */
export async function uploadLedger(
  client: ConsoleClient,
  path: '/v1/ledger/preview' | '/v1/ledger',
  file: Buffer,
  fields: { fromRow?: number; toRow?: number } = {},
): Promise<{ status: number; body: any; ms: number }> {
  const form = new FormData();
  form.append('file', new Blob([file]), 'ledger.xlsx');
  for (const [name, value] of Object.entries(fields)) form.append(name, String(value));
  const started = performance.now();
  const response = await fetch(`${client.url}${path}`, {
    method: 'POST',
    headers: { cookie: client.cookie, 'x-csrf-token': client.csrfToken, 'x-forwarded-for': client.address },
    body: form,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, ms: performance.now() - started };
}

/** A zip entry for `zipOf`: its text in pieces (inflated one after the other), optionally lying about its size in the headers. */
export interface ZipPart {
  readonly name: string;
  readonly pieces: Iterable<string>;
  readonly declaredSize?: number;
}

/**
 * A zip built piece by piece (deflated as a stream, so a part of hundreds of MB never sits in
 * memory): for files no office program writes — zip bombs, headers that lie about sizes.
 */
export async function zipOf(parts: readonly ZipPart[]): Promise<Buffer> {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const part of parts) {
    let crc = 0;
    let size = 0;
    const compressed: Buffer[] = [];
    const deflate = zlib.createDeflateRaw();
    deflate.on('data', (chunk: Buffer) => compressed.push(chunk));
    const done = new Promise((resolve, reject) => deflate.on('end', resolve).on('error', reject));
    for (const piece of part.pieces) {
      const bytes = Buffer.from(piece, 'utf8');
      crc = zlib.crc32(bytes, crc);
      size += bytes.length;
      if (!deflate.write(bytes)) await new Promise((resolve) => deflate.once('drain', resolve));
    }
    deflate.end();
    await done;
    const data = Buffer.concat(compressed);
    const name = Buffer.from(part.name, 'utf8');
    const declared = part.declaredSize ?? size;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(Math.min(declared, 0xfffffffe), 22);
    local.writeUInt16LE(name.length, 26);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(0x0800, 8);
    header.writeUInt16LE(8, 10);
    header.writeUInt32LE(crc >>> 0, 16);
    header.writeUInt32LE(data.length, 20);
    header.writeUInt32LE(Math.min(declared, 0xfffffffe), 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    central.push(header, name);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const WORKBOOK = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>`;
const WORKBOOK_RELS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`;

/** An .xlsx whose one sheet's XML is `rows` (pieces of `<row>` elements), built as a stream. */
export function xlsxOf(rows: Iterable<string>, options: { declaredSheetSize?: number } = {}): Promise<Buffer> {
  function* sheet() {
    yield '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>';
    yield* rows;
    yield '</sheetData></worksheet>';
  }
  return zipOf([
    { name: 'xl/workbook.xml', pieces: [WORKBOOK] },
    { name: 'xl/_rels/workbook.xml.rels', pieces: [WORKBOOK_RELS] },
    { name: 'xl/worksheets/sheet1.xml', pieces: sheet(), declaredSize: options.declaredSheetSize },
  ]);
}

/** A row of inline strings (and numbers) as a sheet's XML holds it. */
export function rowXml(row: number, cells: ReadonlyArray<string | number | null>): string {
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const column = (i: number) => (i >= 26 ? String.fromCharCode(64 + Math.floor(i / 26)) : '') + String.fromCharCode(65 + (i % 26));
  const xml = cells
    .map((cell, i) =>
      cell === null
        ? ''
        : typeof cell === 'number'
          ? `<c r="${column(i)}${row}"><v>${cell}</v></c>`
          : `<c r="${column(i)}${row}" t="inlineStr"><is><t>${escape(cell)}</t></is></c>`,
    )
    .join('');
  return `<row r="${row}">${xml}</row>`;
}
