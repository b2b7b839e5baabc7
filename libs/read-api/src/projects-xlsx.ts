import ExcelJS from 'exceljs';
import { CHANNEL_NAMES, ORIGIN_REGION_NAMES, SECTOR_NAMES, STAGE_NAMES, type Channel, type OriginRegion, type Sector } from '@app/domain';
import type { ReferenceData } from '@app/reference-data';

type Row = Record<string, unknown>;

const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

/**
 * An instant as a date cell: Excel has no time zones, so the cell holds the Asia/Shanghai wall time
 * (shown as yyyy-mm-dd, the time kept in the value so that the 台账 import reads the same instant back).
 */
function shanghaiDate(iso: unknown): Date | '' {
  if (typeof iso !== 'string') return '';
  return new Date(Date.parse(iso) + SHANGHAI_OFFSET_MS);
}

/** Today in Asia/Shanghai, `YYYY-MM-DD`: the export's file name. */
export function exportDate(now: Date): string {
  return new Date(now.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/** The short number people quote for a project: the lead's year and the id's first eight digits (XM2025-3F2A9C1B). */
export function projectNumber(project: Row): string {
  const year = typeof project.leadAt === 'string' ? new Date(Date.parse(project.leadAt) + SHANGHAI_OFFSET_MS).getUTCFullYear() : '';
  return `XM${year}-${String(project.projectId).slice(0, 8).toUpperCase()}`;
}

/**
 * Text that a spreadsheet would take for a formula (=, +, - or @ first) gets the quote prefix `'`,
 * so a project named "=HYPERLINK(…)" stays a name; the 台账 import drops the prefix again.
 */
export function guardText(value: unknown): unknown {
  return typeof value === 'string' && /^[=+\-@]/.test(value) ? `'${value}` : value;
}

type Column = { header: string; width: number; format?: string; value: (p: Row, index: number) => unknown };

const AMOUNT = '#,##0';
const DATE = 'yyyy-mm-dd';
const LIVE_STAGES = new Set(['lead', 'negotiating', 'signed']);

/**
 * The columns of 导出, in Chinese: 序号 and 项目编号, the fields of 新建线索, the stages, the visits, how long
 * the project has been idle, and last the project id (项目ID), by which the 台账 import knows the row again.
 */
function columns(reference: ReferenceData, now: Date): Column[] {
  const investor = (p: Row) => (p.investor ?? {}) as Row;
  const industry = (p: Row) => (p.industry ?? {}) as Row;
  const visits = (p: Row) => (p.visits ?? {}) as { inbound?: number; outbound?: number };
  return [
    { header: '序号', width: 6, value: (_, i) => i + 1 },
    { header: '项目编号', width: 17, value: projectNumber },
    { header: '项目名称', width: 32, value: (p) => p.name },
    { header: '投资方名称', width: 30, value: (p) => investor(p).name },
    { header: '统一社会信用代码', width: 22, value: (p) => investor(p).creditCode ?? '' },
    {
      header: '投资方来源地区',
      width: 14,
      value: (p) => ORIGIN_REGION_NAMES[investor(p).originRegion as OriginRegion] ?? investor(p).originRegion,
    },
    { header: '产业链', width: 16, value: (p) => reference.chains.get(industry(p).chain as string)?.name ?? industry(p).chain },
    { header: '产业类别', width: 10, value: (p) => SECTOR_NAMES[industry(p).sector as Sector] ?? industry(p).sector },
    { header: '工业项目', width: 8, value: (p) => (p.industrial ? '是' : '否') },
    { header: '招商方式', width: 24, value: (p) => ((p.channels ?? []) as Channel[]).map((c) => CHANNEL_NAMES[c] ?? c).join('、') },
    { header: '责任单位', width: 26, value: (p) => reference.units.get(p.unit as string)?.name ?? p.unit },
    { header: '阶段', width: 8, value: (p) => STAGE_NAMES[p.stage as keyof typeof STAGE_NAMES] ?? p.stage },
    { header: '计划投资额(万元)', width: 16, format: AMOUNT, value: (p) => p.plannedInvestmentWan },
    { header: '线索登记时间', width: 12, format: DATE, value: (p) => shanghaiDate(p.leadAt) },
    { header: '签约额(万元)', width: 14, format: AMOUNT, value: (p) => p.signedAmountWan ?? '' },
    { header: '签约时间', width: 12, format: DATE, value: (p) => shanghaiDate(p.signedAt) },
    { header: '开工投资额(万元)', width: 16, format: AMOUNT, value: (p) => p.startedInvestmentWan ?? '' },
    { header: '开工时间', width: 12, format: DATE, value: (p) => shanghaiDate(p.startedAt) },
    { header: '走访次数(来访)', width: 14, value: (p) => visits(p).inbound ?? 0 },
    { header: '走访次数(外出拜访)', width: 18, value: (p) => visits(p).outbound ?? 0 },
    { header: '最近事件时间', width: 14, format: DATE, value: (p) => shanghaiDate(p.lastEventAt) },
    {
      // As the 停滞天数 filter counts: whole days since the latest event, for projects not yet started or dropped.
      header: '停滞天数',
      width: 10,
      value: (p) =>
        LIVE_STAGES.has(p.stage as string) && typeof p.lastEventAt === 'string'
          ? Math.floor((now.getTime() - Date.parse(p.lastEventAt)) / DAY_MS)
          : '',
    },
    { header: '项目ID', width: 38, value: (p) => p.projectId },
  ];
}

/**
 * The projects as an `.xlsx` workbook as an office keeps one: one sheet 项目库, a bold frozen header row
 * with an auto-filter, amounts as numbers with thousands separators, dates as date cells, printed
 * landscape one page wide with the header on every page.
 */
export async function projectsWorkbook(projects: readonly Row[], reference: ReferenceData, now: Date): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('项目库', {
    views: [{ state: 'frozen', ySplit: 1 }],
    pageSetup: {
      paperSize: 9, // A4
      orientation: 'landscape',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
      printTitlesRow: '1:1',
    },
  });
  const cols = columns(reference, now);
  sheet.columns = cols.map((c) => ({ header: c.header, width: c.width, ...(c.format ? { style: { numFmt: c.format } } : {}) }));
  sheet.getRow(1).font = { bold: true };
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: cols.length } };
  projects.forEach((project, index) => sheet.addRow(cols.map((c) => guardText(c.value(project, index)))));
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
