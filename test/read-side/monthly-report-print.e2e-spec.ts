import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { syntheticYear } from '@app/synthetic';
import { ADMIN_KEY, call } from '../support/services';
import { SCREENSHOTS } from '../support/browser';
import { reference } from '../support/fixtures';
import { startPipeline, type Pipeline } from '../support/pipeline';

/**
 * 月报 as a leader's office handles it: opened (every number, share and time cell formatted),
 * and printed through LibreOffice — each sheet one landscape A4 page, each KPI's label on the
 * line of its values, 序时进度 a percentage. On a seeded synthetic 2025 with Q1 closed, so that
 * March's and the year to March's figures carry 初报 and 修订.
 */
/** Run without blocking the event loop: the pipeline in this process keeps serving meanwhile. */
const run = async (file: string, args: string[], options: { timeout?: number; env?: NodeJS.ProcessEnv } = {}) =>
  (await promisify(execFile)(file, args, { maxBuffer: 16 << 20, ...options })).stdout.toString();

const SOFFICE = process.env.SOFFICE_PATH || '/usr/bin/soffice';
/** pdfinfo's page size of landscape A4 (842 × 595 pt, to the rounding of the writer). */
const A4_LANDSCAPE = /size:\s+84[12]\.\d+ x 59[56]\.\d+ pts \(A4\)/;

describe('the monthly report, opened and printed (real pipeline, LibreOffice)', () => {
  let pipeline: Pipeline;
  let workdir: string;

  beforeAll(async () => {
    pipeline = await startPipeline();
    workdir = mkdtempSync(join(tmpdir(), 'monthly-print-'));
    const commands = syntheticYear(reference, { seed: 7, year: 2025, projects: 400, notAfter: new Date('2025-06-30T12:00:00+08:00') });
    let position = 0;
    for (let i = 0; i < commands.length; i += 1000) position = await pipeline.batch(commands.slice(i, i + 1000));
    await pipeline.get(`/v1/projections/status?minPosition=${position}`);
    const closed = await call(pipeline.ingestUrl, 'POST', '/v1/periods/2025-Q1/close', { body: { reason: '一季度关账' } });
    expect(closed.status).toBe(201);
    // Recorded after the close: a March signing, which 修订 shows.
    const late = await pipeline.batch([
      {
        type: 'RegisterLead',
        projectId: '7d7a0a52-0a3c-4b5e-9a59-3f0c1c9b2a01',
        name: '迟报项目',
        investor: { name: '迟报投资有限公司', originRegion: 'gba' },
        industry: { chain: 'nev', sector: 'emerging' },
        industrial: true,
        channels: ['industry_chain'],
        unit: 'zz-erqi',
        plannedInvestmentWan: 60_000,
        occurredAt: '2025-02-10T10:00:00+08:00',
      },
      {
        type: 'SignProject',
        projectId: '7d7a0a52-0a3c-4b5e-9a59-3f0c1c9b2a01',
        signedAmountWan: 55_555,
        occurredAt: '2025-03-12T10:00:00+08:00',
      },
    ]);
    await pipeline.get(`/v1/projections/status?minPosition=${late}`);
  }, 120_000);

  afterAll(async () => {
    await pipeline?.close();
    if (workdir) rmSync(workdir, { recursive: true, force: true });
  });

  async function download(month: number): Promise<Buffer> {
    const response = await fetch(`${pipeline.queryUrl}/v1/reports/monthly.xlsx?year=2025&month=${month}`, {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(response.status).toBe(200);
    return Buffer.from(await response.arrayBuffer());
  }

  it('formats every cell that holds a number, a share or a time; no codes, no ASCII comparators; times in Beijing time', async () => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await download(3)) as never);
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['说明', '城市指标', '单位排名', '渠道分布', '区域分布']);

    // Which format each column's numbers take, by its header (说明 by its row's label).
    const amount = /^#,##0$/;
    const share = /^0\.0%$/;
    const expected = (sheet: string, header: string, label: string): RegExp => {
      if (sheet === '说明') return header === '序时进度' ? share : /^never$/;
      if (/完成率|序时进度/.test(header)) return share;
      if (/修订$/.test(header)) return label.includes('占比') ? /^\+0\.0%;-0\.0%;0\.0%$/ : /^\+#,##0;-#,##0;0$/;
      if (/目标$/.test(header)) return label.includes('占比') ? /^"[≥>] "0\.0%$/ : /^"[≥>] "#,##0$/;
      if (sheet === '城市指标' && label.includes('占比')) return share;
      return amount;
    };
    let checked = 0;
    for (const sheet of workbook.worksheets) {
      const headers = sheet.name === '说明' ? [] : (sheet.getRow(1).values as unknown[]).slice(1).map(String);
      sheet.eachRow((row, r) => {
        if (r === 1 && sheet.name !== '说明') return;
        const label = String(row.getCell(1).value ?? '');
        row.eachCell((cell, c) => {
          const text = typeof cell.value === 'string' ? cell.value : '';
          expect(text).not.toMatch(/>=|<=|[a-z]+_[a-z_.]+|数据位置/);
          if (cell.value instanceof Date) throw new Error(`${sheet.name}!${cell.address}: a time cell; times are written in Beijing time`);
          if (typeof cell.value !== 'number') return;
          const header = sheet.name === '说明' ? label : headers[c - 1];
          const context = `${sheet.name}!${cell.address} (${header}, ${label}): ${cell.numFmt}`;
          expect({ context, ok: expected(sheet.name, header, label).test(cell.numFmt ?? '') }).toEqual({ context, ok: true });
          checked += 1;
        });
      });
    }
    expect(checked).toBeGreaterThan(300);

    const about = workbook.getWorksheet('说明')!;
    const line = (label: string) => {
      let value: unknown = null;
      about.eachRow((row) => {
        if (row.getCell(1).value === label) value = row.getCell(2).value;
      });
      return value;
    };
    expect(line('序时进度')).toBeCloseTo(90 / 365, 12);
    expect(line('生成时间')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d 北京时间$/);
    const beijingNow = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 13).replace('T', ' ');
    expect(String(line('生成时间')).slice(0, 13)).toBe(beijingNow);
    expect(line('初报与修订')).toMatch(/^初报为2025年第1季度关账时（\d{4}-\d\d-\d\d \d\d:\d\d 北京时间）上报的数值/);

    // 初报 / 修订 beside the month's and the year to March's figures: the late March signing moved both.
    const city = workbook.getWorksheet('城市指标')!;
    const headers = (city.getRow(1).values as unknown[]).slice(1);
    expect(headers).toEqual([
      '指标',
      '年累计完成',
      '年累计初报',
      '年累计修订',
      '年度目标',
      '完成率',
      '序时进度',
      '状态',
      '本月（3月）完成',
      '本月初报',
      '本月修订',
    ]);
    const ytd = (await pipeline.get('/v1/kpis?year=2025&toMonth=3')).kpis;
    const month = (await pipeline.get('/v1/kpis?year=2025&month=3')).kpis;
    const signed = (city.getRow(2).values as unknown[]).slice(1);
    const ytdSigned = ytd.find((k: { code: string }) => k.code === 'signed_total_wan');
    const monthSigned = month.find((k: { code: string }) => k.code === 'signed_total_wan');
    expect(signed[0]).toBe(ytdSigned.label);
    expect([signed[1], signed[2], signed[3]]).toEqual([ytdSigned.actual, ytdSigned.actual - 55_555, 55_555]);
    expect([signed[8], signed[9], signed[10]]).toEqual([monthSigned.actual, monthSigned.actual - 55_555, 55_555]);

    // The breakdowns name channels and regions in Chinese, with no code column.
    const channels = workbook.getWorksheet('渠道分布')!;
    const names = new Set<string>();
    channels.eachRow((row, r) => r > 1 && names.add(String(row.getCell(1).value)));
    expect(names.has('产业链招商')).toBe(true);
    expect([...names].every((n) => /[\u4e00-\u9fff]/.test(n))).toBe(true);
  });

  it('prints through LibreOffice: one landscape A4 page per sheet, each KPI on one line with its values, 序时进度 as a percentage', async () => {
    expect(existsSync(SOFFICE)).toBe(true);
    const workbook = await download(6);
    const xlsx = join(workdir, 'monthly-2025-06.xlsx');
    writeFileSync(xlsx, workbook);
    // A profile of its own: concurrent runs of soffice with one profile block each other.
    const profile = `file://${join(workdir, 'profile')}`;
    await run(SOFFICE, [`-env:UserInstallation=${profile}`, '--headless', '--convert-to', 'pdf', '--outdir', workdir, xlsx], {
      timeout: 180_000,
      env: { ...process.env, HOME: workdir },
    });
    const pdf = join(workdir, 'monthly-2025-06.pdf');
    expect(existsSync(pdf)).toBe(true);

    const info = await run('pdfinfo', ['-f', '1', '-l', '99', pdf]);
    const pages = Number(/^Pages:\s+(\d+)/m.exec(info)![1]);
    expect(pages).toBeLessThanOrEqual(5);
    const sizes = info.split('\n').filter((l) => /Page\s+\d+\s+size/.test(l));
    expect(sizes).toHaveLength(pages);
    for (const size of sizes) expect(size).toMatch(A4_LANDSCAPE);

    const text = await run('pdftotext', ['-layout', pdf, '-']);
    const printedPages = text.split('\f').filter((p) => p.trim() !== '');
    expect(printedPages).toHaveLength(5);
    expect(text).not.toMatch(/1899|1900-01|>=|数据位置|signed_total_wan/);
    expect(text).toMatch(/序时进度\s+49\.6%/);

    const ytd = (await pipeline.get('/v1/kpis?year=2025&toMonth=6')).kpis as Array<{ label: string; actual: number | null }>;
    const lines = text.split('\n');
    for (const kpi of ytd) {
      const line = lines.find((l) => l.trimStart().startsWith(kpi.label));
      expect({ label: kpi.label, line: line !== undefined }).toEqual({ label: kpi.label, line: true });
      // The label, then its year-to-date figure as printed (#,##0, or a percentage), on the same line.
      const printed =
        kpi.actual === null ? '' : kpi.label.includes('占比') ? `${(kpi.actual * 100).toFixed(1)}%` : kpi.actual.toLocaleString('en-US');
      expect(line!.slice(line!.indexOf(kpi.label) + kpi.label.length)).toContain(printed);
    }

    // The pages as a leader sees them, kept among the test artifacts.
    mkdirSync(SCREENSHOTS, { recursive: true });
    await run('pdftoppm', ['-png', '-r', '80', pdf, join(workdir, 'page')]);
    for (const file of readdirSync(workdir).filter((f) => /^page-\d+\.png$/.test(f))) {
      renameSync(join(workdir, file), join(SCREENSHOTS, `月报-打印-${file.replace('page-', '第').replace('.png', '页.png')}`));
    }
  }, 240_000);
});
