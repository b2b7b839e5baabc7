import ExcelJS from 'exceljs';
import { CHANNEL_NAMES, KPI_STATUS_NAMES, ORIGIN_REGION_NAMES, rankUnits, type Channel, type OriginRegion } from '@app/domain';
import type { KpiResult } from '@app/read-models';
import type { RevisedResult } from './revisions';
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
  /** City KPIs of the year to the month's end (`/v1/kpis?year=&toMonth=`). */
  readonly yearToDate: readonly KpiResult[];
  /** City KPIs of the month itself (`/v1/kpis?year=&month=`), with reported and restated once it is closed. */
  readonly monthOnly: readonly RevisedResult[];
  /** Unit KPIs of the year to the month's end (`/v1/kpis/units?year=&toMonth=`). */
  readonly units: readonly KpiResult[];
  readonly byChannel: readonly BreakdownRow[];
  readonly byRegion: readonly BreakdownRow[];
}

const WAN = '#,##0';
const PERCENT = '0.0%';

interface Column<T> {
  readonly header: string;
  readonly width: number;
  /** The number format of the column's cells, or of each row's. */
  readonly format?: string | ((row: T) => string);
  readonly value: (row: T) => string | number | null;
}

/** The share KPI is a fraction, shown as a percentage; the others are whole numbers. */
const kpiFormat = (r: KpiResult) => (r.code.endsWith('_share') ? PERCENT : WAN);

const statusName = (r: KpiResult | undefined) => (r?.status ? KPI_STATUS_NAMES[r.status] : null);

/**
 * 月报 (contract §8) as an .xlsx workbook: 说明, 城市指标 (year to the month's end against the
 * targets, and the month's own figures), 单位排名, 渠道分布, 区域分布. Chinese headers, numbers
 * as numbers and shares as percentages, a frozen bold header row, set widths, set to print on
 * landscape A4 one page wide.
 */
export async function monthlyWorkbook(report: MonthlyReport, reference: ReferenceData): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.created = report.generatedAt;
  const title = `${reference.cityName}${report.year}年招商引资月报（截至${report.month}月末）`;
  workbook.title = title;

  const about = workbook.addWorksheet('说明');
  about.columns = [
    { header: '项目', width: 14 },
    { header: '内容', width: 70 },
  ];
  about.getRow(1).font = { bold: true };
  about.addRows([
    ['报告', title],
    ['计划', reference.plan.name],
    ['统计口径', `年累计：${report.year}年1月1日至${report.month}月末（北京时间）业务发生的签约、开工等；本月：${report.month}月当月`],
    ['序时进度', report.elapsed],
    ['生成时间', report.generatedAt],
    ['数据位置', report.position],
  ]);
  about.getCell('B5').numFmt = 'yyyy-mm-dd hh:mm';
  about.getCell('B4').numFmt = PERCENT;
  about.getCell('B4').alignment = { horizontal: 'left' };
  about.getCell('B6').alignment = { horizontal: 'left' };

  const monthByCode = new Map(report.monthOnly.map((r) => [r.code, r]));
  addTable(workbook, '城市指标', title, report.yearToDate, [
    { header: '指标', width: 36, value: (r) => r.label },
    { header: '指标代码', width: 26, value: (r) => r.code },
    { header: '年累计完成', width: 16, format: kpiFormat, value: (r) => r.actual },
    { header: '年度目标', width: 16, format: kpiFormat, value: (r) => r.target },
    { header: '比较', width: 6, value: (r) => r.comparator },
    { header: '完成率', width: 10, format: PERCENT, value: (r) => r.progress },
    { header: '序时进度', width: 10, format: PERCENT, value: () => report.elapsed },
    { header: '状态', width: 10, value: (r) => statusName(r) },
    { header: '本月完成', width: 16, format: kpiFormat, value: (r) => monthByCode.get(r.code)?.actual ?? null },
    { header: '本月初报', width: 16, format: kpiFormat, value: (r) => monthByCode.get(r.code)?.reported ?? null },
    { header: '本月修订', width: 16, format: kpiFormat, value: (r) => monthByCode.get(r.code)?.restated ?? null },
  ]);

  const ranking = rankUnits(report.units);
  const unitCodes = [...new Set(report.units.filter((r) => r.target !== null).map((r) => r.code))];
  const labelOf = (code: string) => report.units.find((r) => r.code === code)?.label ?? code;
  addTable(workbook, '单位排名', title, ranking, [
    { header: '排名', width: 6, value: (u) => u.rank },
    { header: '单位', width: 26, value: (u) => reference.units.get(u.unit)?.name ?? u.unit },
    { header: '类型', width: 8, value: (u) => (reference.units.get(u.unit)?.kind === 'zone' ? '开发区' : '区县(市)') },
    { header: '达标项数', width: 10, value: (u) => u.met },
    { header: '滞后项数', width: 10, value: (u) => u.behind },
    { header: '签约额合计(万元)', width: 18, format: WAN, value: (u) => u.signedTotalWan },
    ...unitCodes.flatMap((code): Array<Column<(typeof ranking)[number]>> => {
      const of = (u: (typeof ranking)[number]) => u.results.find((r) => r.code === code);
      return [
        { header: labelOf(code), width: 20, format: WAN, value: (u) => of(u)?.actual ?? null },
        { header: '目标', width: 8, format: WAN, value: (u) => of(u)?.target ?? null },
        { header: '状态', width: 10, value: (u) => statusName(of(u)) },
      ];
    }),
  ]);

  const breakdownColumns = (name: (key: string) => string): Array<Column<BreakdownRow>> => [
    { header: '名称', width: 20, value: (r) => (r.key === null ? '未填' : name(r.key)) },
    { header: '代码', width: 18, value: (r) => r.key },
    { header: '新增线索(个)', width: 14, format: WAN, value: (r) => r.lead.count },
    { header: '计划投资(万元)', width: 18, format: WAN, value: (r) => r.lead.plannedWan },
    { header: '签约项目(个)', width: 14, format: WAN, value: (r) => r.signed.count },
    { header: '签约额(万元)', width: 18, format: WAN, value: (r) => r.signed.amountWan },
    { header: '开工项目(个)', width: 14, format: WAN, value: (r) => r.started.count },
    { header: '开工投资(万元)', width: 18, format: WAN, value: (r) => r.started.amountWan },
  ];
  addTable(
    workbook,
    '渠道分布',
    title,
    report.byChannel,
    breakdownColumns((k) => CHANNEL_NAMES[k as Channel] ?? k),
  );
  addTable(
    workbook,
    '区域分布',
    title,
    report.byRegion,
    breakdownColumns((k) => ORIGIN_REGION_NAMES[k as OriginRegion] ?? k),
  );

  return Buffer.from(await workbook.xlsx.writeBuffer());
}

function addTable<T>(workbook: ExcelJS.Workbook, name: string, title: string, rows: readonly T[], columns: ReadonlyArray<Column<T>>): void {
  const sheet = workbook.addWorksheet(name, {
    views: [{ state: 'frozen', ySplit: 1 }],
    pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: '1:1' },
    headerFooter: { oddHeader: `&C${title}`, oddFooter: '&C第 &P 页，共 &N 页' },
  });
  sheet.columns = columns.map((c) => ({ header: c.header, width: c.width }));
  const header = sheet.getRow(1);
  header.font = { bold: true };
  header.alignment = { vertical: 'middle', wrapText: true };
  header.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EEF7' } };
  for (const row of rows) {
    const added = sheet.addRow(columns.map((c) => c.value(row)));
    columns.forEach((column, i) => {
      if (column.format) added.getCell(i + 1).numFmt = typeof column.format === 'string' ? column.format : column.format(row);
    });
  }
}
