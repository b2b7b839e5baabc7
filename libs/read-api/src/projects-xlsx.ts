import ExcelJS from 'exceljs';
import { CHANNEL_NAMES, ORIGIN_REGION_NAMES, SECTOR_NAMES, STAGE_NAMES, type Channel, type OriginRegion, type Sector } from '@app/domain';
import type { ReferenceData } from '@app/reference-data';

type Row = Record<string, unknown>;

/** An instant as Asia/Shanghai wall time, `YYYY-MM-DD HH:mm`, as people read it in the spreadsheet. */
function shanghai(iso: unknown): string {
  if (typeof iso !== 'string') return '';
  return new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
}

/** The columns of 导出, in Chinese: the fields of 新建线索, the stages, and where the project stands. */
function columns(reference: ReferenceData): Array<{ header: string; width: number; value: (p: Row) => unknown }> {
  const investor = (p: Row) => (p.investor ?? {}) as Row;
  const industry = (p: Row) => (p.industry ?? {}) as Row;
  return [
    { header: '项目编号', width: 38, value: (p) => p.projectId },
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
    { header: '计划投资额(万元)', width: 16, value: (p) => p.plannedInvestmentWan },
    { header: '发生时间', width: 17, value: (p) => shanghai(p.leadAt) },
    { header: '签约额(万元)', width: 14, value: (p) => p.signedAmountWan ?? '' },
    { header: '签约时间', width: 17, value: (p) => shanghai(p.signedAt) },
    { header: '开工投资额(万元)', width: 16, value: (p) => p.startedInvestmentWan ?? '' },
    { header: '开工时间', width: 17, value: (p) => shanghai(p.startedAt) },
    { header: '最近事件时间', width: 17, value: (p) => shanghai(p.lastEventAt) },
  ];
}

/** The projects as an `.xlsx` workbook: one sheet 项目库, a bold frozen header row, amounts as numbers. */
export async function projectsWorkbook(projects: readonly Row[], reference: ReferenceData): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('项目库', { views: [{ state: 'frozen', ySplit: 1 }] });
  const cols = columns(reference);
  sheet.columns = cols.map((c) => ({ header: c.header, width: c.width }));
  sheet.getRow(1).font = { bold: true };
  for (const project of projects) sheet.addRow(cols.map((c) => c.value(project)));
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
