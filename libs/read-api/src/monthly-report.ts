import ExcelJS from 'exceljs';
import {
  CHANNEL_NAMES,
  KPI_STATUS_NAMES,
  ORIGIN_REGION_NAMES,
  parsePeriodLabel,
  rankUnits,
  type Channel,
  type OriginRegion,
} from '@app/domain';
import type { KpiResult } from '@app/read-models';
import type { CloseRecord, RevisedResult } from './revisions';
import type { ReferenceData } from '@app/reference-data';

/** One row of a breakdown answer (GET /v1/breakdown). */
export interface BreakdownRow {
  readonly key: string | null;
  readonly lead: { count: number; plannedWan: number };
  readonly signed: { count: number; amountWan: number };
  readonly started: { count: number; amountWan: number };
}

/** What the monthly report shows: every part is the answer of a read endpoint for the same figures. */
export interface MonthlyReport {
  readonly year: number;
  readonly month: number;
  /** When it was computed, and up to which position of the store it counts. */
  readonly generatedAt: Date;
  readonly position: number;
  /** The share of the year elapsed at the month's end (序时进度). */
  readonly elapsed: number;
  /** The close whose figures are 初报 (the month's, else its quarter's, else its year's); none when nothing covers it. */
  readonly close: CloseRecord | undefined;
  /** City KPIs of the year to the month's end (`/v1/kpis?year=&toMonth=`), with reported and restated at the close. */
  readonly yearToDate: readonly RevisedResult[];
  /** City KPIs of the month itself (`/v1/kpis?year=&month=`), with reported and restated at the close. */
  readonly monthOnly: readonly RevisedResult[];
  /** Unit KPIs of the year to the month's end (`/v1/kpis/units?year=&toMonth=`). */
  readonly units: readonly KpiResult[];
  readonly byChannel: readonly BreakdownRow[];
  readonly byRegion: readonly BreakdownRow[];
}

/** The number formats of the workbook: every number, share and time cell has one of these. */
export const FORMATS = {
  whole: '#,##0',
  percent: '0.0%',
  /** A revision: signed, so that a leader sees which way the figure moved. */
  wholeChange: '+#,##0;-#,##0;0',
  percentChange: '+0.0%;-0.0%;0.0%',
} as const;

/** A target's format: its comparator printed before the number (≥ 84,000,000), the cell still a number. */
export const targetFormat = (comparator: KpiResult['comparator'], share: boolean) =>
  `"${comparator === '>' ? '>' : '≥'} "${share ? FORMATS.percent : FORMATS.whole}`;

interface Column<T> {
  readonly header: string;
  readonly width: number;
  /** The number format of the column's cells, or of each row's. */
  readonly format?: string | ((row: T) => string);
  readonly value: (row: T) => string | number | null;
}

const isShare = (r: KpiResult) => r.code.endsWith('_share');
/** The share KPI is a fraction, shown as a percentage; the others are whole numbers. */
const kpiFormat = (r: KpiResult) => (isShare(r) ? FORMATS.percent : FORMATS.whole);
const changeFormat = (r: KpiResult) => (isShare(r) ? FORMATS.percentChange : FORMATS.wholeChange);

const statusName = (r: KpiResult | undefined) => (r?.status ? KPI_STATUS_NAMES[r.status] : r?.target === null ? '无目标' : null);

/** Short names of the unit KPIs for 单位排名's columns (the full label is in 说明). */
const UNIT_KPI_SHORT: Readonly<Record<string, string>> = {
  'unit.mega_signed_count': '重大项目',
  'unit.fund_landed_count': '基金落地',
  'unit.industry_chain_signed_count': '链式招商',
};

/** A column wide enough for its longest text on one line (a CJK character takes two widths). */
function widthFor(texts: ReadonlyArray<string | null>, least: number): number {
  const widths = texts.map((t) => [...(t ?? '')].reduce((sum, ch) => sum + (ch.charCodeAt(0) > 0x2e80 ? 2 : 1), 0));
  return Math.max(least, ...widths.map((w) => w + 2));
}

/** A period label in words: 2025年3月, 2025年第1季度, 2025年. */
function periodInWords(label: string): string {
  const period = parsePeriodLabel(label);
  if (!period) return label;
  if (period.kind === 'year') return `${period.year}年`;
  if (period.kind === 'quarter') return `${period.year}年第${period.quarter}季度`;
  return `${period.year}年${period.month}月`;
}

/** An instant as a clock in the plan's zone reads it: 2025-07-01 09:30 北京时间. */
export function zoneTime(at: Date | string, timeZone: string): string {
  const text = new Intl.DateTimeFormat('sv-SE', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(typeof at === 'string' ? new Date(at) : at);
  return `${text} ${timeZone === 'Asia/Shanghai' ? '北京时间' : timeZone}`;
}

/** Every sheet prints on one landscape A4 page, with the report's title above and the page below. */
const pageOf = (title: string): Partial<ExcelJS.AddWorksheetOptions> => ({
  pageSetup: {
    paperSize: 9,
    orientation: 'landscape',
    fitToPage: true,
    fitToWidth: 1,
    fitToHeight: 1,
    horizontalCentered: true,
    margins: { left: 0.4, right: 0.4, top: 0.6, bottom: 0.6, header: 0.3, footer: 0.3 },
  },
  headerFooter: { oddHeader: `&C${title}`, oddFooter: '&C第 &P 页，共 &N 页' },
});

/**
 * 月报 (contract §8) as an .xlsx workbook to hand to a leader as it is: 说明, 城市指标 (year to
 * the month's end against the targets, and the month's own figures, each with 初报 and 修订 when
 * a close covers them), 单位排名, 渠道分布, 区域分布. Chinese headers and names only, numbers as
 * numbers (targets with their ≥ or >), shares as percentages, times in Beijing time; each sheet
 * prints on one landscape A4 page.
 */
export async function monthlyWorkbook(report: MonthlyReport, reference: ReferenceData): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.created = report.generatedAt;
  const title = `${reference.cityName}${report.year}年招商引资月报（截至${report.month}月末）`;
  workbook.title = title;
  const m = `${report.month}月`;
  const closedIn = report.close
    ? `${periodInWords(report.close.period)}关账时（${zoneTime(report.close.recordedAt, reference.timezone)}）上报的数值`
    : null;

  const about = workbook.addWorksheet('说明', pageOf(title));
  about.columns = [{ width: 12 }, { width: 96 }];
  const lines: Array<[string, string | number, string?]> = [
    ['报告', title],
    ['计划', reference.plan.name],
    [
      '统计口径',
      `年累计：${report.year}年1月1日至${m}末（北京时间）业务发生的签约、开工、走访、活动等；本月：${m}当月。` + '金额单位：万元。',
    ],
    ['序时进度', report.elapsed, FORMATS.percent],
    ['生成时间', zoneTime(report.generatedAt, reference.timezone)],
    [
      '初报与修订',
      closedIn ? `初报为${closedIn}；修订为其后补录与更正带来的变化（现值 − 初报）。` : `${m}及其所在季度、年度尚未关账，暂无初报与修订。`,
    ],
    ['状态', '达标：已完成目标；序时推进：未完成但进度不低于序时进度；滞后：进度低于序时进度或期末未完成。'],
    ['注', `本报告按生成时已录入系统的全部记录统计（截至第 ${report.position.toLocaleString('zh-CN')} 条记录），可据此核对。`],
  ];
  for (const [label, value, format] of lines) {
    const row = about.addRow([label, value]);
    row.getCell(1).font = { bold: true };
    row.getCell(2).alignment = { horizontal: 'left', vertical: 'top', wrapText: true };
    row.getCell(1).alignment = { vertical: 'top' };
    if (format) row.getCell(2).numFmt = format;
  }

  const monthByCode = new Map(report.monthOnly.map((r) => [r.code, r]));
  const ofMonth = (r: KpiResult) => monthByCode.get(r.code);
  const revisionColumns = (prefix: string, of: (r: RevisedResult) => RevisedResult | undefined): Array<Column<RevisedResult>> =>
    report.close
      ? [
          { header: `${prefix}初报`, width: 14, format: kpiFormat, value: (r) => of(r)?.reported ?? null },
          { header: `${prefix}修订`, width: 12, format: changeFormat, value: (r) => of(r)?.restated ?? null },
        ]
      : [];
  addTable(workbook, '城市指标', title, report.yearToDate, [
    {
      header: '指标',
      width: widthFor(
        report.yearToDate.map((r) => r.label),
        20,
      ),
      value: (r) => r.label,
    },
    { header: '年累计完成', width: 14, format: kpiFormat, value: (r) => r.actual },
    ...revisionColumns('年累计', (r) => r),
    { header: '年度目标', width: 15, format: (r) => targetFormat(r.comparator, isShare(r)), value: (r) => r.target ?? '—' },
    { header: '完成率', width: 9, format: FORMATS.percent, value: (r) => r.progress ?? '—' },
    { header: '序时进度', width: 9, format: FORMATS.percent, value: () => report.elapsed },
    { header: '状态', width: 9, value: (r) => statusName(r) },
    { header: `本月（${m}）完成`, width: 14, format: kpiFormat, value: (r) => ofMonth(r)?.actual ?? null },
    ...revisionColumns('本月', ofMonth),
  ]);

  const ranking = rankUnits(report.units);
  const unitCodes = [...new Set(report.units.filter((r) => r.target !== null).map((r) => r.code))];
  const shortOf = (code: string) => UNIT_KPI_SHORT[code] ?? report.units.find((r) => r.code === code)?.label ?? code;
  const unitNames = ranking.map((u) => reference.units.get(u.unit)?.name ?? u.unit);
  addTable(workbook, '单位排名', title, ranking, [
    { header: '排名', width: 6, format: FORMATS.whole, value: (u) => u.rank },
    { header: '单位', width: widthFor(unitNames, 12), value: (u) => reference.units.get(u.unit)?.name ?? u.unit },
    { header: '类型', width: 10, value: (u) => (reference.units.get(u.unit)?.kind === 'zone' ? '开发区' : '区县(市)') },
    { header: '达标项数', width: 8, format: FORMATS.whole, value: (u) => u.met },
    { header: '滞后项数', width: 8, format: FORMATS.whole, value: (u) => u.behind },
    { header: '签约额合计(万元)', width: 14, format: FORMATS.whole, value: (u) => u.signedTotalWan },
    ...unitCodes.flatMap((code): Array<Column<(typeof ranking)[number]>> => {
      const of = (u: (typeof ranking)[number]) => u.results.find((r) => r.code === code);
      return [
        { header: `${shortOf(code)}\n完成`, width: 10, format: FORMATS.whole, value: (u) => of(u)?.actual ?? null },
        {
          header: `${shortOf(code)}\n目标`,
          width: 10,
          format: (u) => targetFormat(of(u)?.comparator ?? null, false),
          value: (u) => of(u)?.target ?? null,
        },
        { header: `${shortOf(code)}\n状态`, width: 10, value: (u) => statusName(of(u)) },
      ];
    }),
  ]);
  // Which unit KPI each short column name stands for, under the table.
  const rankingSheet = workbook.getWorksheet('单位排名')!;
  rankingSheet.addRow([]);
  for (const code of unitCodes) {
    const labels = [...new Set(report.units.filter((r) => r.code === code).map((r) => r.label))];
    rankingSheet.addRow([null, `${shortOf(code)}：${labels.join(' / ')}`]);
  }

  const breakdownColumns = (what: string, name: (key: string) => string, rows: readonly BreakdownRow[]): Array<Column<BreakdownRow>> => {
    const nameOf = (r: BreakdownRow) => (r.key === null ? '未填' : name(r.key));
    return [
      { header: what, width: widthFor(rows.map(nameOf), 12), value: nameOf },
      { header: '新增线索(个)', width: 12, format: FORMATS.whole, value: (r) => r.lead.count },
      { header: '计划投资(万元)', width: 16, format: FORMATS.whole, value: (r) => r.lead.plannedWan },
      { header: '签约项目(个)', width: 12, format: FORMATS.whole, value: (r) => r.signed.count },
      { header: '签约额(万元)', width: 16, format: FORMATS.whole, value: (r) => r.signed.amountWan },
      { header: '开工项目(个)', width: 12, format: FORMATS.whole, value: (r) => r.started.count },
      { header: '开工投资(万元)', width: 16, format: FORMATS.whole, value: (r) => r.started.amountWan },
    ];
  };
  const channelName = (k: string) => CHANNEL_NAMES[k as Channel] ?? k;
  const regionName = (k: string) => ORIGIN_REGION_NAMES[k as OriginRegion] ?? k;
  addTable(workbook, '渠道分布', title, report.byChannel, breakdownColumns('招商方式', channelName, report.byChannel));
  addTable(workbook, '区域分布', title, report.byRegion, breakdownColumns('投资方来源地区', regionName, report.byRegion));

  return Buffer.from(await workbook.xlsx.writeBuffer());
}

function addTable<T>(workbook: ExcelJS.Workbook, name: string, title: string, rows: readonly T[], columns: ReadonlyArray<Column<T>>): void {
  const sheet = workbook.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }], ...pageOf(title) });
  sheet.pageSetup.printTitlesRow = '1:1';
  sheet.columns = columns.map((c) => ({ header: c.header, width: c.width }));
  const header = sheet.getRow(1);
  header.font = { bold: true };
  header.alignment = { vertical: 'middle', horizontal: 'center', wrapText: true };
  header.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EEF7' } };
  // Room for a header of two lines: the row keeps its height on paper too.
  header.height = 30;
  const ruled = { style: 'thin', color: { argb: 'FFB0B7C3' } } as const;
  header.eachCell((cell) => (cell.border = { top: ruled, bottom: ruled, left: ruled, right: ruled }));
  for (const row of rows) {
    const added = sheet.addRow(columns.map((c) => c.value(row)));
    columns.forEach((column, i) => {
      const cell = added.getCell(i + 1);
      cell.border = { top: ruled, bottom: ruled, left: ruled, right: ruled };
      if (column.format && typeof cell.value === 'number') {
        cell.numFmt = typeof column.format === 'string' ? column.format : column.format(row);
      }
      // A dash for "none" sits where the number would.
      if (cell.value === '—') cell.alignment = { horizontal: 'right' };
    });
  }
}
