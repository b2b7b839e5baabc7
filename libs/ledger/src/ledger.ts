import { randomUUID } from 'node:crypto';
import ExcelJS from 'exceljs';
import {
  CHANNEL_NAMES,
  ORIGIN_REGION_NAMES,
  SECTOR_NAMES,
  fieldMessageZh,
  isUuid,
  parseCommand,
  type DecideContext,
  type ProjectState,
} from '@app/domain';
import type { ReferenceData } from '@app/reference-data';

/**
 * The 台账 (ledger) spreadsheet of contract §7: its columns, the template, reading an upload,
 * and what each row means for the event store — the commands that bring the project where the
 * row says it is. A row names its project by 项目编号, else by 项目名称 + 投资方名称 + 责任单位,
 * so the same file uploaded twice adds nothing and an edited one adds only the edits.
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
  '发生时间',
  '签约额(万元)',
  '签约时间',
  '开工投资额(万元)',
  '开工时间',
] as const;
type Column = (typeof LEDGER_COLUMNS)[number];
const OPTIONAL: readonly Column[] = ['项目编号', '统一社会信用代码', '签约额(万元)', '签约时间', '开工投资额(万元)', '开工时间'];
const REQUIRED = LEDGER_COLUMNS.filter((column) => !OPTIONAL.includes(column));

/** Which column a command field comes from, for the preview's "column, reason". */
const COLUMN_OF: Record<string, Column> = {
  projectId: '项目编号',
  name: '项目名称',
  'investor.name': '投资方名称',
  'investor.creditCode': '统一社会信用代码',
  'investor.originRegion': '投资方来源地区',
  investor: '投资方名称',
  'industry.chain': '产业链',
  'industry.sector': '产业类别',
  industry: '产业链',
  industrial: '工业项目',
  channels: '招商方式',
  unit: '责任单位',
  plannedInvestmentWan: '计划投资额(万元)',
  signedAmountWan: '签约额(万元)',
  startedInvestmentWan: '开工投资额(万元)',
};

export interface LedgerRow {
  /** The row number in the sheet (the header is row 1). */
  readonly row: number;
  readonly cells: Readonly<Partial<Record<Column, unknown>>>;
}

export interface RowIssue {
  readonly row: number;
  readonly column: string;
  readonly reason: string;
}

/** The template: the headers, and a sheet 代码表 of the names each pick-list column takes. */
export async function ledgerTemplate(reference: ReferenceData): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('台账', { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = LEDGER_COLUMNS.map((header) => ({ header, width: Math.max(12, header.length * 2 + 4) }));
  sheet.getRow(1).font = { bold: true };
  const codes = workbook.addWorksheet('代码表');
  const lists: Array<[string, string[]]> = [
    ['责任单位', [...reference.units.values()].map((u) => u.name)],
    ['产业链', [...reference.chains.values()].map((c) => c.name)],
    ['投资方来源地区', Object.values(ORIGIN_REGION_NAMES)],
    ['产业类别', Object.values(SECTOR_NAMES)],
    ['招商方式（可多选，以、分隔）', Object.values(CHANNEL_NAMES)],
    ['工业项目', ['是', '否']],
    ['时间', ['2025-03-01 10:00（北京时间）']],
  ];
  codes.columns = lists.map(([header]) => ({ header, width: 28 }));
  const rows = Math.max(...lists.map(([, values]) => values.length));
  for (let i = 0; i < rows; i++) codes.addRow(lists.map(([, values]) => values[i] ?? ''));
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** The rows of an upload's first sheet, by header; a problem with the file as a whole is thrown as a LedgerError. */
export async function readLedger(file: Buffer): Promise<LedgerRow[]> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(file as unknown as ArrayBuffer);
  } catch {
    throw new LedgerError('文件不是有效的 Excel（.xlsx）文件');
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) throw new LedgerError('文件中没有工作表');
  const headers = new Map<number, Column>();
  const titles = new Map<number, string>();
  sheet.getRow(1).eachCell((cell, col) => titles.set(col, String(cell.text ?? '').trim()));
  // A 项目库 export names the project by its id in 项目ID; its 项目编号 is the short number people quote.
  const exported = [...titles.values()].includes('项目ID');
  for (const [col, title] of titles) {
    const text = exported && title === '项目ID' ? '项目编号' : exported && title === '项目编号' ? '' : title;
    if ((LEDGER_COLUMNS as readonly string[]).includes(text)) headers.set(col, text as Column);
  }
  const missing = REQUIRED.filter((c) => ![...headers.values()].includes(c));
  if (missing.length > 0) throw new LedgerError(`缺少列：${missing.join('、')}（请使用模板）`);
  const rows: LedgerRow[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, number) => {
    if (number === 1) return;
    const cells: Partial<Record<Column, unknown>> = {};
    for (const [col, header] of headers) {
      const value = cellValue(row.getCell(col).value);
      if (value !== '') cells[header] = value;
    }
    if (Object.keys(cells).length > 0) rows.push({ row: number, cells });
  });
  return rows;
}

export class LedgerError extends Error {}

function cellValue(value: ExcelJS.CellValue): unknown {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value;
  if (typeof value === 'object') {
    if ('result' in value) return cellValue(value.result as ExcelJS.CellValue);
    if ('richText' in value)
      return value.richText
        .map((t) => t.text)
        .join('')
        .trim();
    if ('text' in value) return String(value.text).trim();
    return '';
  }
  // The quote prefix 项目库's export puts before text that looks like a formula is not part of the text.
  return typeof value === 'string' ? value.trim().replace(/^'(?=[=+\-@])/, '') : value;
}

/** A ledger time: a date cell (Beijing wall time) or text; without an offset it is Asia/Shanghai. */
function ledgerTime(value: unknown): string {
  if (value instanceof Date) return `${value.toISOString().slice(0, 19)}+08:00`;
  const text = String(value ?? '').trim();
  const match = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
  if (!match) return text;
  const [, y, mo, d, h = '0', mi = '0', s = '0'] = match;
  const two = (n: string) => n.padStart(2, '0');
  return `${y}-${two(mo)}-${two(d)}T${two(h)}:${two(mi)}:${two(s)}+08:00`;
}

const amount = (value: unknown): unknown => (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value);

/** A pick-list cell: the code whose Chinese name (or code) it holds; else the text, for the parser to refuse. */
function codeOf(value: unknown, names: Iterable<[string, string]>): unknown {
  const text = String(value ?? '').trim();
  for (const [code, name] of names) if (name === text || code === text) return code;
  return text;
}

/** The facts a row states, as RegisterLead's fields. */
export function rowFacts(cells: LedgerRow['cells'], reference: ReferenceData): Record<string, unknown> {
  const units = [...reference.units].map(([code, u]): [string, string] => [code, u.name]);
  const chains = [...reference.chains].map(([code, c]): [string, string] => [code, c.name]);
  const creditCode = cells['统一社会信用代码'] === undefined ? undefined : String(cells['统一社会信用代码']).trim();
  const industrial = cells['工业项目'];
  return {
    name: cells['项目名称'] ?? '',
    investor: {
      name: cells['投资方名称'] ?? '',
      ...(creditCode ? { creditCode } : {}),
      originRegion: codeOf(cells['投资方来源地区'], Object.entries(ORIGIN_REGION_NAMES)),
    },
    industry: { chain: codeOf(cells['产业链'], chains), sector: codeOf(cells['产业类别'], Object.entries(SECTOR_NAMES)) },
    industrial: industrial === '是' || industrial === true ? true : industrial === '否' || industrial === false ? false : industrial,
    channels: String(cells['招商方式'] ?? '')
      .split(/[、,，;；\s]+/)
      .filter(Boolean)
      .map((c) => codeOf(c, Object.entries(CHANNEL_NAMES))),
    unit: codeOf(cells['责任单位'], units),
    plannedInvestmentWan: amount(cells['计划投资额(万元)']),
  };
}

/** The row's 项目编号 as written (trimmed, lower-case), or null when the cell is empty. */
export function givenProjectId(row: LedgerRow): string | null {
  return row.cells['项目编号'] === undefined ? null : String(row.cells['项目编号']).trim().toLowerCase();
}

/** How a row is found among the stored projects: its 项目编号, else name + investor + unit. */
export function identityOf(facts: Record<string, unknown>): string {
  const investor = facts.investor as { name: unknown };
  return `${String(facts.name).trim()}\u0000${String(investor.name).trim()}\u0000${String(facts.unit)}`;
}

export interface RowPlan {
  /** The commands (with type and projectId) that bring the project where the row says; none when it is there already. */
  readonly commands: Record<string, unknown>[];
  readonly issues: RowIssue[];
}

/**
 * The commands of one row (its `rowFacts`) against the project as stored (null: a new one). Each is checked
 * by the domain's parser; the row's issues name the column and the reason in Chinese.
 */
export function planRow(row: LedgerRow, facts: Record<string, unknown>, stored: ProjectState | null, ctx: DecideContext): RowPlan {
  const given = givenProjectId(row);
  const issues: RowIssue[] = [];
  if (given !== null && !isUuid(given)) issues.push({ row: row.row, column: '项目编号', reason: '项目编号格式错误' });
  const projectId = stored?.projectId ?? (given && isUuid(given) ? given : randomUUID());
  const commands: Record<string, unknown>[] = [];
  const check = (command: Record<string, unknown>, timeColumn: Column) => {
    const parsed = parseCommand(command, ctx);
    if (parsed.ok) return commands.push(command);
    const details = parsed.error.kind === 'invalid_input' ? parsed.error.details : [{ field: '', message: parsed.error.message }];
    for (const { field, message } of details) {
      const base = field.replace(/^changes\./, '');
      const column = field.endsWith('occurredAt') ? timeColumn : (COLUMN_OF[base] ?? COLUMN_OF[base.split('.')[0]] ?? base);
      issues.push({ row: row.row, column, reason: fieldMessageZh(message) });
    }
  };
  const signed = row.cells['签约额(万元)'];
  const started = row.cells['开工投资额(万元)'];
  const signedAt = ledgerTime(row.cells['签约时间']);
  const startedAt = ledgerTime(row.cells['开工时间']);

  if (!stored) {
    check({ type: 'RegisterLead', projectId, ...facts, occurredAt: ledgerTime(row.cells['发生时间']) }, '发生时间');
  } else {
    const changes = changedFacts(facts, stored);
    if (stored.signedAt && signed !== undefined) {
      if (amount(signed) !== stored.signedAmountWan) changes.signedAmountWan = amount(signed);
      if (row.cells['签约时间'] !== undefined && Date.parse(signedAt) !== Date.parse(stored.signedAt)) changes.signedAt = signedAt;
    }
    if (stored.startedAt && started !== undefined) {
      if (amount(started) !== stored.startedInvestmentWan) changes.startedInvestmentWan = amount(started);
      if (row.cells['开工时间'] !== undefined && Date.parse(startedAt) !== Date.parse(stored.startedAt)) changes.startedAt = startedAt;
    }
    if (Object.keys(changes).length > 0) {
      check(
        { type: 'CorrectProject', projectId, changes, reason: '台账导入更正', occurredAt: new Date(ctx.now).toISOString() },
        '发生时间',
      );
    }
  }
  if (signed !== undefined && !stored?.signedAt) {
    check({ type: 'SignProject', projectId, signedAmountWan: amount(signed), occurredAt: signedAt }, '签约时间');
  }
  if (started !== undefined && !stored?.startedAt) {
    check({ type: 'StartProject', projectId, startedInvestmentWan: amount(started), occurredAt: startedAt }, '开工时间');
  }
  return issues.length > 0 ? { commands: [], issues } : { commands, issues };
}

/** The facts of the row that differ from the stored project, as a correction's changes. */
function changedFacts(facts: Record<string, unknown>, stored: ProjectState): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  const investor = facts.investor as { name: string; creditCode?: string; originRegion: string };
  const storedInvestor = stored.investor as { name: string; creditCode?: string; originRegion: string };
  // A row without a credit code leaves the stored one as it is.
  if (
    investor.name !== storedInvestor.name ||
    (investor.creditCode !== undefined && investor.creditCode.toUpperCase() !== (storedInvestor.creditCode ?? '')) ||
    investor.originRegion !== storedInvestor.originRegion
  ) {
    changes.investor = { ...storedInvestor, ...investor };
  }
  const industry = facts.industry as { chain: string; sector: string };
  if (industry.chain !== stored.industry.chain || industry.sector !== stored.industry.sector) changes.industry = industry;
  if (facts.name !== stored.name) changes.name = facts.name;
  if (facts.industrial !== stored.industrial) changes.industrial = facts.industrial;
  const channels = facts.channels as string[];
  if (channels.length !== stored.channels.length || channels.some((c) => !stored.channels.includes(c as never)))
    changes.channels = channels;
  if (facts.unit !== stored.unit) changes.unit = facts.unit;
  if (facts.plannedInvestmentWan !== stored.plannedInvestmentWan) changes.plannedInvestmentWan = facts.plannedInvestmentWan;
  return changes;
}
