import type { RawCell, RawRow } from './xlsx';

/**
 * The ledger's columns, and the table of an upload's sheet as offices keep one: the header row
 * found below title rows (a merged title, a blank row, a 填报单位 line), headers matched however
 * they are written (full-width brackets, spaces, line breaks, a leading *), amounts in 万元 or
 * 亿元 by what their header says, 合计 rows and the template's example row set aside. Nothing here
 * imports more than this library's sheet reader: it runs in the parse worker.
 */

export const LEDGER_COLUMNS = [
  '项目编号',
  '项目名称',
  '投资方名称',
  '统一社会信用代码',
  '投资方来源地区',
  '产业链',
  '产业类别',
  '工业项目',
  '招商方式',
  '责任单位',
  '计划投资额(万元)',
  '线索登记时间',
  '签约额(万元)',
  '签约时间',
  '开工投资额(万元)',
  '开工时间',
] as const;
export type Column = (typeof LEDGER_COLUMNS)[number];
export const OPTIONAL_COLUMNS: readonly Column[] = [
  '项目编号',
  '统一社会信用代码',
  '签约额(万元)',
  '签约时间',
  '开工投资额(万元)',
  '开工时间',
];
export const REQUIRED_COLUMNS = LEDGER_COLUMNS.filter((column) => !OPTIONAL_COLUMNS.includes(column));
export const AMOUNT_COLUMNS = ['计划投资额(万元)', '签约额(万元)', '开工投资额(万元)'] as const satisfies readonly Column[];
export type AmountColumn = (typeof AMOUNT_COLUMNS)[number];
export const TIME_COLUMNS = ['线索登记时间', '签约时间', '开工时间'] as const satisfies readonly Column[];

/** Headers that name a column in other words: the template's earlier 发生时间. */
const ALIASES: Readonly<Record<string, Column>> = { 发生时间: '线索登记时间' };

/** The unit an amount column's header states; 亿元 is converted to 万元 (× 10,000). */
export type AmountUnit = '万元' | '亿元';

/** The header of the project id in a 项目库 export (its 项目编号 there is a short number). */
const EXPORT_ID_HEADER = '项目ID';

/** The template's example row starts its 项目名称 with this: it is never imported. */
export const EXAMPLE_MARK = '【示例】';

/** A header as written → the column and, for an amount, the unit its header states; null when it is no ledger column. */
export function columnOfHeader(header: string): { column: Column; unit?: AmountUnit } | null {
  const text = header
    .normalize('NFKC')
    .replace(/\s+/g, '')
    .replace(/^\*+|\*+$/g, '');
  const amount = /^(计划投资额|签约额|开工投资额)[(/]?(万元|万|亿元|亿)\)?$/.exec(text);
  if (amount) return { column: `${amount[1]}(万元)` as Column, unit: amount[2].startsWith('亿') ? '亿元' : '万元' };
  if ((LEDGER_COLUMNS as readonly string[]).includes(text) && !text.endsWith('(万元)')) return { column: text as Column };
  return ALIASES[text] ? { column: ALIASES[text] } : null;
}

export interface LedgerRow {
  /** The row number in the sheet (1 is the top row). */
  readonly row: number;
  readonly cells: Readonly<Partial<Record<Column, RawCell>>>;
}

export interface LedgerTable {
  /** The sheet row holding the headers. */
  readonly headerRow: number;
  /** Each ledger column found: its header as written, and the unit of an amount. */
  readonly columns: ReadonlyArray<{ readonly header: string; readonly column: Column; readonly unit?: AmountUnit }>;
  readonly rows: readonly LedgerRow[];
  /** Rows set aside with the reason: 合计 rows, the template's example. */
  readonly skipped: ReadonlyArray<{ readonly row: number; readonly reason: string }>;
}

/** A problem with the sheet as a whole (no header row, a column twice): 400 naming the file. */
export class LedgerError extends Error {}

/** How far down the header row may be. */
const HEADER_SEARCH_ROWS = 30;
const TOTAL = /^(合计|总计|小计|共计|总合计)([:：].*)?$/;

const textOf = (cell: RawCell | undefined): string => (typeof cell === 'string' ? cell : cell === undefined ? '' : String(cell));

/** The ledger table of a sheet's rows; throws a LedgerError when no row holds the required headers. */
export function ledgerTable(rows: readonly RawRow[]): LedgerTable {
  let best: { index: number; matched: Map<number, { column: Column; unit?: AmountUnit; header: string }> } | null = null;
  for (let i = 0; i < Math.min(rows.length, HEADER_SEARCH_ROWS); i++) {
    const matched = new Map<number, { column: Column; unit?: AmountUnit; header: string }>();
    // A 项目库 export names the project by its id in 项目ID; its 项目编号 is the short number people quote.
    const exported = rows[i].cells.some((cell) => typeof cell === 'string' && cell.trim() === EXPORT_ID_HEADER);
    rows[i].cells.forEach((cell, index) => {
      if (typeof cell !== 'string') return;
      const found = exported && cell.trim() === EXPORT_ID_HEADER ? { column: '项目编号' as Column } : columnOfHeader(cell);
      if (found && !(exported && found.column === '项目编号' && cell.trim() !== EXPORT_ID_HEADER)) {
        matched.set(index, { ...found, header: cell.trim() });
      }
    });
    const columns = new Set([...matched.values()].map((m) => m.column));
    if (REQUIRED_COLUMNS.every((c) => columns.has(c))) {
      best = { index: i, matched };
      break;
    }
    if (!best || matched.size > best.matched.size) best = { index: i, matched };
  }
  const found = new Set([...(best?.matched.values() ?? [])].map((m) => m.column));
  const missing = REQUIRED_COLUMNS.filter((c) => !found.has(c));
  if (!best || best.matched.size < 3) throw new LedgerError(`未找到表头行：前 ${HEADER_SEARCH_ROWS} 行中没有台账的列名（请使用模板）`);
  if (missing.length > 0) throw new LedgerError(`第 ${rows[best.index].row} 行的表头缺少列：${missing.join('、')}（请使用模板）`);
  const seen = new Map<Column, string>();
  for (const { column, header } of best.matched.values()) {
    if (seen.has(column)) throw new LedgerError(`列重复：“${seen.get(column)}”和“${header}”是同一列`);
    seen.set(column, header);
  }

  const table: LedgerRow[] = [];
  const skipped: Array<{ row: number; reason: string }> = [];
  for (const raw of rows.slice(best.index + 1)) {
    const total = raw.cells.find((cell) => typeof cell === 'string' && TOTAL.test(cell.replace(/\s+/g, '')));
    if (total !== undefined) {
      skipped.push({ row: raw.row, reason: `“${textOf(total).trim()}”行，不导入` });
      continue;
    }
    const cells: Partial<Record<Column, RawCell>> = {};
    for (const [index, { column }] of best.matched) {
      // The quote prefix 项目库's export puts before text that looks like a formula is not part of the text.
      const cell = typeof raw.cells[index] === 'string' ? (raw.cells[index] as string).replace(/^'(?=[=+\-@])/, '') : raw.cells[index];
      if (cell !== undefined && !(typeof cell === 'string' && cell.trim() === '')) cells[column] = cell;
    }
    if (Object.keys(cells).length === 0) continue;
    if (textOf(cells['项目名称']).trim().startsWith(EXAMPLE_MARK)) {
      skipped.push({ row: raw.row, reason: '模板的示例行，不导入' });
      continue;
    }
    table.push({ row: raw.row, cells });
  }
  return {
    headerRow: rows[best.index].row,
    columns: [...best.matched.values()].map(({ header, column, unit }) => ({ header, column, ...(unit ? { unit } : {}) })),
    rows: table,
    skipped,
  };
}
