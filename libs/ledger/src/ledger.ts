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
import { EXAMPLE_MARK, LEDGER_COLUMNS, type AmountUnit, type Column, type LedgerRow, type LedgerTable } from './table';
import { asTyped, groupDigits, ledgerAmount, ledgerTime, shanghaiText, TIME_FORM } from './values';
import type { RawCell } from './xlsx';

/**
 * The 台账 (ledger) spreadsheet of contract §7: the template, and what each row of an upload
 * means for the event store — the commands that bring the project where the row says it is,
 * the values as they will be stored, and every refusal with the value as typed. A row names its
 * project by 项目编号, else by 项目名称 + 投资方名称 + 责任单位, so the same file uploaded twice
 * adds nothing and an edited one adds only the edits.
 */

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

export interface RowIssue {
  readonly row: number;
  readonly column: string;
  readonly reason: string;
}

/** The template's pick-lists: each column's names (a person limited to units sees only theirs). */
function pickLists(reference: ReferenceData, units: readonly string[] | null): Array<[Column, string[], boolean]> {
  return [
    ['责任单位', [...reference.units].filter(([code]) => units === null || units.includes(code)).map(([, u]) => u.name), true],
    ['产业链', [...reference.chains.values()].map((c) => c.name), true],
    ['投资方来源地区', Object.values(ORIGIN_REGION_NAMES), true],
    ['产业类别', Object.values(SECTOR_NAMES), true],
    // Several channels are written in one cell (separated by 、): the list suggests, it does not refuse.
    ['招商方式', Object.values(CHANNEL_NAMES), false],
    ['工业项目', ['是', '否'], true],
  ];
}

const NOTES: ReadonlyArray<[Column, string]> = [
  ['项目编号', '选填。已登记项目的编号（从项目库导出可得）；新项目留空'],
  ['项目名称', '必填。没有项目编号时，按 项目名称 + 投资方名称 + 责任单位 找已登记的项目'],
  ['投资方名称', '必填'],
  ['统一社会信用代码', '选填。18 位'],
  ['投资方来源地区', '必填。从下拉列表选择'],
  ['产业链', '必填。从下拉列表选择'],
  ['产业类别', '必填。从下拉列表选择'],
  ['工业项目', '必填。是 或 否'],
  ['招商方式', '必填。可填多个，以、分隔，如：产业链招商、基金招商'],
  ['责任单位', '必填。从下拉列表选择（只列出你负责的单位）'],
  ['计划投资额(万元)', '必填。单位万元，如 12000 或 12,000；列名写成 计划投资额(亿元) 时按亿元填写，导入时换算为万元'],
  ['线索登记时间', `必填。登记线索的日期，${TIME_FORM.replace(/^应为 /, '如 ')}，北京时间`],
  ['签约额(万元)', '选填。已签约时填写，同时填写签约时间；也可用 签约额(亿元) 列'],
  ['签约时间', '选填。已签约时填写'],
  ['开工投资额(万元)', '选填。已开工时填写，同时填写开工时间；也可用 开工投资额(亿元) 列'],
  ['开工时间', '选填。已开工时填写'],
];

/** Rows of the template that carry the pick-lists' drop-downs. */
const TEMPLATE_ROWS = 1000;

/**
 * The template: sheet 台账 (the headers, an example row that is never imported, drop-downs on
 * the pick-list columns), 填写说明 (what each column takes) and 代码表 (the lists).
 */
export async function ledgerTemplate(reference: ReferenceData, units: readonly string[] | null): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('台账', { views: [{ state: 'frozen', ySplit: 1 }] });
  const notes = workbook.addWorksheet('填写说明');
  const codes = workbook.addWorksheet('代码表');
  sheet.columns = LEDGER_COLUMNS.map((header) => ({ header, width: Math.max(12, header.length * 2 + 4) }));
  sheet.getRow(1).font = { bold: true };

  const lists = pickLists(reference, units);
  codes.columns = lists.map(([header]) => ({ header, width: 28 }));
  codes.getRow(1).font = { bold: true };
  lists.forEach(([, values], i) => values.forEach((value, j) => (codes.getCell(j + 2, i + 1).value = value)));

  const example: Partial<Record<Column, string | number>> = {
    项目名称: `${EXAMPLE_MARK}新能源汽车零部件项目（导入时不读本行）`,
    投资方名称: '某汽车集团有限公司',
    投资方来源地区: lists[2][1][0],
    产业链: lists[1][1][0],
    产业类别: lists[3][1][0],
    工业项目: '是',
    招商方式: lists[4][1].slice(0, 2).join('、'),
    责任单位: lists[0][1][0],
    '计划投资额(万元)': 120000,
    线索登记时间: '2025-03-05 10:00',
    '签约额(万元)': 100000,
    签约时间: '2025年6月18日',
  };
  const exampleRow = sheet.addRow(LEDGER_COLUMNS.map((column) => example[column] ?? null));
  exampleRow.font = { italic: true, color: { argb: 'FF808080' } };
  for (const [column, values, strict] of lists) {
    const col = LEDGER_COLUMNS.indexOf(column) + 1;
    const letter = String.fromCharCode(64 + lists.findIndex(([c]) => c === column) + 1);
    for (let row = 2; row <= TEMPLATE_ROWS + 1; row++) {
      sheet.getCell(row, col).dataValidation = {
        type: 'list',
        allowBlank: true,
        formulae: [`'代码表'!$${letter}$2:$${letter}$${Math.max(2, values.length + 1)}`],
        showErrorMessage: strict,
        errorStyle: 'stop',
        errorTitle: column,
        error: '请从下拉列表中选择',
      };
    }
  }

  notes.columns = [
    { header: '列', width: 20 },
    { header: '填写说明', width: 90 },
  ];
  notes.getRow(1).font = { bold: true };
  for (const [column, text] of NOTES) notes.addRow([column, text]);
  notes.addRow([]);
  for (const line of [
    '表头行上方可以有标题行、空行或填报单位行；表头以下每行一个项目。',
    `第 2 行是示例（项目名称以“${EXAMPLE_MARK}”开头），导入时不读，可删除。“合计”“小计”行不导入。`,
    '金额列的列名写明单位：(万元) 或 (亿元)；亿元按 1 亿元 = 10,000 万元换算，小数四舍五入到万元，预览中显示换算结果。',
    '没有时区的时间按北京时间；同一个文件再次上传不会重复记录，修改过的行记为更正。',
  ])
    notes.addRow(['', line]);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** A pick-list cell: the code whose Chinese name (or code) it holds, spaces and full-width forms aside; null when none. */
function codeOf(cell: RawCell | string | undefined, names: Iterable<[string, string]>): string | null {
  const text = asTyped(cell as RawCell)
    .normalize('NFKC')
    .replace(/\s+/g, '');
  for (const [code, name] of names) if (name.normalize('NFKC').replace(/\s+/g, '') === text || code === text) return code;
  return null;
}

const text = (cell: RawCell | undefined) => (cell === undefined ? '' : asTyped(cell));

/** What one row says, read: the facts for RegisterLead, the stages, the values as they will be stored, and what is wrong. */
export interface ReadRow {
  readonly facts: Record<string, unknown>;
  /** The lead's time (ISO), or the cell as typed when it is no time (the parser then refuses it). */
  readonly leadAt: string;
  readonly signed?: { readonly amountWan: unknown; readonly at?: string };
  readonly started?: { readonly amountWan: unknown; readonly at?: string };
  /** Each column's value as it will be stored (names for codes, 万元 with separators, Beijing time), or as typed when refused. */
  readonly values: Partial<Record<Column, string>>;
  readonly issues: RowIssue[];
  /** Conversions and roundings, and warnings of implausible amounts. */
  readonly notes: RowIssue[];
}

export type AmountUnits = Partial<Record<Column, AmountUnit>>;

/** The amount columns' units of a table, as its headers state them. */
export const amountUnitsOf = (table: Pick<LedgerTable, 'columns'>): AmountUnits =>
  Object.fromEntries(table.columns.filter((c) => c.unit).map((c) => [c.column, c.unit]));

/** Reads a row's cells: pick-lists to codes, amounts to 万元, times to instants; each bad cell refused with its value and the accepted form. */
export function readRow(row: LedgerRow, units: AmountUnits, reference: ReferenceData): ReadRow {
  const { cells } = row;
  const issues: RowIssue[] = [];
  const notes: RowIssue[] = [];
  const values: Partial<Record<Column, string>> = {};
  const refuse = (column: Column, reason: string) => {
    issues.push({ row: row.row, column, reason });
    values[column] = text(cells[column]);
  };
  const pick = (column: Column, names: Array<[string, string]>, what: string): string | null => {
    const cell = cells[column];
    if (cell === undefined) return null;
    const code = codeOf(cell, names);
    if (code === null) {
      const examples = names.slice(0, 3).map(([, n]) => n);
      refuse(column, `“${text(cell)}”不是有效的${what}，应为列表中的名称（如 ${examples.join('、')}）`);
    } else values[column] = names.find(([c]) => c === code)![1];
    return code;
  };
  const amountOf = (column: Column): number | unknown => {
    const cell = cells[column];
    if (cell === undefined) return undefined;
    const parsed = ledgerAmount(cell, units[column] ?? '万元');
    if (!parsed.ok) {
      refuse(column, parsed.reason);
      return text(cell);
    }
    values[column] = groupDigits(parsed.value);
    if (parsed.note) notes.push({ row: row.row, column, reason: parsed.note });
    return parsed.value;
  };
  const timeOf = (column: Column): string | undefined => {
    const cell = cells[column];
    if (cell === undefined) return undefined;
    const parsed = ledgerTime(cell);
    if (!parsed.ok) {
      refuse(column, parsed.reason);
      return text(cell);
    }
    values[column] = shanghaiText(parsed.value);
    return parsed.value;
  };

  for (const column of ['项目编号', '项目名称', '投资方名称'] as const)
    if (cells[column] !== undefined) values[column] = text(cells[column]);
  const creditCode = cells['统一社会信用代码'] === undefined ? undefined : text(cells['统一社会信用代码']).normalize('NFKC').toUpperCase();
  if (creditCode) values['统一社会信用代码'] = creditCode;
  const originRegion = pick('投资方来源地区', Object.entries(ORIGIN_REGION_NAMES), '来源地区');
  const chain = pick(
    '产业链',
    [...reference.chains].map(([code, c]) => [code, c.name]),
    '产业链',
  );
  const sector = pick('产业类别', Object.entries(SECTOR_NAMES), '产业类别');
  const unit = pick(
    '责任单位',
    [...reference.units].map(([code, u]) => [code, u.name]),
    '责任单位',
  );

  const industrialCell = cells['工业项目'];
  const industrialText = text(industrialCell).normalize('NFKC').toLowerCase();
  const industrial =
    industrialCell === true || ['是', 'true', 'y', 'yes', '1'].includes(industrialText)
      ? true
      : industrialCell === false || ['否', 'false', 'n', 'no', '0'].includes(industrialText)
        ? false
        : undefined;
  if (industrialCell !== undefined && industrial === undefined) refuse('工业项目', `“${text(industrialCell)}”应为 是 或 否`);
  else if (industrial !== undefined) values['工业项目'] = industrial ? '是' : '否';

  const channelNames = Object.entries(CHANNEL_NAMES);
  const channels = text(cells['招商方式'])
    .split(/[、,，;；\s]+/)
    .filter(Boolean)
    .map((name) => ({ name, code: codeOf(name, channelNames) }));
  const unknownChannels = channels.filter((c) => c.code === null).map((c) => c.name);
  if (unknownChannels.length > 0) {
    refuse('招商方式', `“${unknownChannels.join('、')}”不是有效的招商方式，应为列表中的名称，多个以、分隔（如 产业链招商、基金招商）`);
  } else if (channels.length > 0) values['招商方式'] = channels.map((c) => CHANNEL_NAMES[c.code as keyof typeof CHANNEL_NAMES]).join('、');

  const planned = amountOf('计划投资额(万元)');
  const signedAmount = amountOf('签约额(万元)');
  const startedAmount = amountOf('开工投资额(万元)');
  const leadAt = timeOf('线索登记时间');
  const signedAt = timeOf('签约时间');
  const startedAt = timeOf('开工时间');

  // Amounts far below (or above) the plan are most often written in another unit than the header's.
  const plausible = (column: Column, amount: unknown, what: string) => {
    if (typeof amount !== 'number' || typeof planned !== 'number' || planned <= 0 || amount <= 0) return;
    if (amount * 100 < planned) {
      notes.push({
        row: row.row,
        column,
        reason: `请核对：${what} ${groupDigits(amount)} 万元不到计划投资额 ${groupDigits(planned)} 万元的 1%（单位是万元还是亿元？）`,
      });
    } else if (amount > planned * 100) {
      notes.push({
        row: row.row,
        column,
        reason: `请核对：${what} ${groupDigits(amount)} 万元是计划投资额 ${groupDigits(planned)} 万元的 100 倍以上（单位是万元还是亿元？）`,
      });
    }
  };
  plausible('签约额(万元)', signedAmount, '签约额');
  plausible('开工投资额(万元)', startedAmount, '开工投资额');

  const facts = {
    name: text(cells['项目名称']),
    investor: {
      name: text(cells['投资方名称']),
      ...(creditCode ? { creditCode } : {}),
      originRegion: originRegion ?? text(cells['投资方来源地区']),
    },
    industry: { chain: chain ?? text(cells['产业链']), sector: sector ?? text(cells['产业类别']) },
    industrial: industrial ?? text(industrialCell),
    channels: channels.map((c) => c.code ?? c.name),
    unit: unit ?? text(cells['责任单位']),
    plannedInvestmentWan: planned ?? '',
  };
  return {
    facts,
    leadAt: leadAt ?? '',
    ...(signedAmount !== undefined || signedAt !== undefined ? { signed: { amountWan: signedAmount, at: signedAt } } : {}),
    ...(startedAmount !== undefined || startedAt !== undefined ? { started: { amountWan: startedAmount, at: startedAt } } : {}),
    values,
    issues,
    notes,
  };
}

/** The row's 项目编号 as written (trimmed, lower-case), or null when the cell is empty. */
export function givenProjectId(row: LedgerRow): string | null {
  return row.cells['项目编号'] === undefined ? null : text(row.cells['项目编号']).toLowerCase();
}

/** How a row is found among the stored projects: its 项目编号, else name + investor + unit. */
export function identityOf(facts: Record<string, unknown>): string {
  const investor = facts.investor as { name: unknown };
  return `${String(facts.name).trim()}\u0000${String(investor.name).trim()}\u0000${String(facts.unit)}`;
}

export type RowStatus = 'new' | 'changed' | 'unchanged' | 'refused';

export interface RowPlan {
  /** The commands (with type and projectId) that bring the project where the row says; none when it is there already. */
  readonly commands: Record<string, unknown>[];
  readonly issues: RowIssue[];
  readonly status: RowStatus;
}

/** Who imports: the units they may write for (null: all), and the reference names of those units for messages. */
export interface ImportScope {
  readonly units: readonly string[] | null;
}

/**
 * The commands of one row (as `readRow` read it) against the project as stored (null: a new one,
 * or none the importer may see). Each is checked by the domain's parser; the row's issues name the
 * column, the value as typed and the reason in Chinese.
 */
export function planRow(row: LedgerRow, read: ReadRow, stored: ProjectState | null, ctx: DecideContext, scope: ImportScope): RowPlan {
  const given = givenProjectId(row);
  const issues: RowIssue[] = [...read.issues];
  const refused = new Set(issues.map((i) => i.column));
  const add = (column: Column, reason: string) => {
    if (refused.has(column)) return;
    refused.add(column);
    issues.push({ row: row.row, column, reason });
  };
  if (given !== null && !isUuid(given)) add('项目编号', `“${given}”不是项目编号（项目编号形如 0b7e…-…，从项目库导出可得）；新项目请留空`);
  else if (given !== null && !stored) add('项目编号', `“${given}”没有找到：须是你负责单位的已登记项目；新项目请留空`);
  const unit = read.facts.unit as string;
  if (scope.units !== null && ctx.ref.units.has(unit) && !scope.units.includes(unit)) {
    const mine = scope.units.map((u) => ctx.ref.units.get(u)?.name ?? u).join('、');
    add('责任单位', `“${ctx.ref.units.get(unit)!.name}”不在你负责的单位内（你可导入：${mine}）`);
  }
  const projectId = stored?.projectId ?? randomUUID();
  const commands: Record<string, unknown>[] = [];
  const check = (command: Record<string, unknown>, timeColumn: Column) => {
    const parsed = parseCommand(command, ctx);
    if (parsed.ok) return commands.push(command);
    const details = parsed.error.kind === 'invalid_input' ? parsed.error.details : [{ field: '', message: parsed.error.message }];
    for (const { field, message } of details) {
      const base = field.replace(/^changes\./, '');
      const column =
        field.endsWith('occurredAt') || /At$/.test(base) ? timeColumn : (COLUMN_OF[base] ?? COLUMN_OF[base.split('.')[0]] ?? base);
      const typed = text(row.cells[column as Column]);
      add(column as Column, typed ? `“${typed}”${fieldMessageZh(message)}` : fieldMessageZh(message));
    }
  };
  const { signed, started } = read;
  if (signed && signed.amountWan !== undefined && signed.at === undefined && !stored?.signedAt) add('签约时间', '填写了签约额时必填');
  if (signed && signed.amountWan === undefined) add('签约额(万元)', '填写了签约时间时必填');
  if (started && started.amountWan !== undefined && started.at === undefined && !stored?.startedAt)
    add('开工时间', '填写了开工投资额时必填');
  if (started && started.amountWan === undefined) add('开工投资额(万元)', '填写了开工时间时必填');

  if (!stored) {
    check({ type: 'RegisterLead', projectId, ...read.facts, occurredAt: read.leadAt }, '线索登记时间');
  } else {
    const changes = changedFacts(read.facts, stored);
    if (stored.signedAt && signed?.amountWan !== undefined) {
      if (signed.amountWan !== stored.signedAmountWan) changes.signedAmountWan = signed.amountWan;
      if (signed.at !== undefined && Date.parse(signed.at) !== Date.parse(stored.signedAt)) changes.signedAt = signed.at;
    }
    if (stored.startedAt && started?.amountWan !== undefined) {
      if (started.amountWan !== stored.startedInvestmentWan) changes.startedInvestmentWan = started.amountWan;
      if (started.at !== undefined && Date.parse(started.at) !== Date.parse(stored.startedAt)) changes.startedAt = started.at;
    }
    if (Object.keys(changes).length > 0) {
      const timeColumn = changes.signedAt ? '签约时间' : changes.startedAt ? '开工时间' : '线索登记时间';
      check(
        { type: 'CorrectProject', projectId, changes, reason: '台账导入更正', occurredAt: new Date(ctx.now).toISOString() },
        timeColumn,
      );
    }
  }
  if (signed?.amountWan !== undefined && !stored?.signedAt) {
    check({ type: 'SignProject', projectId, signedAmountWan: signed.amountWan, occurredAt: signed.at ?? '' }, '签约时间');
  }
  if (started?.amountWan !== undefined && !stored?.startedAt) {
    check({ type: 'StartProject', projectId, startedInvestmentWan: started.amountWan, occurredAt: started.at ?? '' }, '开工时间');
  }
  if (issues.length > 0) return { commands: [], issues, status: 'refused' };
  return { commands, issues, status: !stored ? 'new' : commands.length > 0 ? 'changed' : 'unchanged' };
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
