import { randomUUID } from 'node:crypto';
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { syntheticYear } from '@app/synthetic';
import { CONSOLE_ADMIN_PASSWORD, ConsoleClient, startConsole, type ConsoleStack } from '../support/console';
import { DESKTOP, PHONE, launchBrowser, logIn, screenshot } from '../support/browser';
import { reference } from '../support/fixtures';

const STATUS_WORDS: Record<string, string> = { met: '达标', on_track: '序时推进', behind: '滞后' };
const LATE = randomUUID();
const DUPLICATES = [randomUUID(), randomUUID()];

interface Kpi {
  code: string;
  scope: string;
  actual: number | null;
  target: number | null;
  status: string | null;
}

/** A value as a leader reads it on a card: amounts in 亿元 with two decimals, shares in per cent, counts whole. */
function shown(code: string, value: number | null): string {
  if (value === null) return '—';
  if (code.endsWith('_share')) return `${(value * 100).toFixed(1)}%`;
  if (code.endsWith('_wan'))
    return `${(value / 10_000).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} 亿元`;
  return value.toLocaleString('zh-CN');
}

/** 驾驶舱 in Chromium, on a console loaded with a seeded synthetic 2025 (real PostgreSQL and Kafka behind it). */
describe('the cockpit in a real browser', () => {
  let stack: ConsoleStack;
  let browser: Browser;
  let admin: ConsoleClient;
  /** The reader whose board the tests open: the API answers compared with the page are the ones it gets. */
  let leader: ConsoleClient;

  beforeAll(async () => {
    stack = await startConsole();
    browser = await launchBrowser();
    admin = new ConsoleClient(stack.url);
    await admin.login('admin', CONSOLE_ADMIN_PASSWORD);
    const created = await admin.request('POST', '/v1/people', {
      username: 'leader',
      displayName: '王局长',
      role: 'reader',
      password: 'a long passphrase',
    });
    expect(created.status).toBe(201);
    leader = new ConsoleClient(stack.url, '192.0.2.11');
    expect((await leader.login('leader', 'a long passphrase')).status).toBe(200);
    const commands = syntheticYear(reference, { seed: 12, year: 2025, projects: 600, notAfter: new Date() });
    let position = 0;
    for (let i = 0; i < commands.length; i += 1000) {
      const answer = await admin.request('POST', '/v1/batch', { commands: commands.slice(i, i + 1000) });
      expect(answer.status).toBe(200);
      for (const r of answer.body.results) if (r.status === 201) position = Math.max(position, r.body.position);
    }
    expect((await admin.request('GET', `/v1/projections/status?minPosition=${position}`)).status).toBe(200);

    // Q1 closed; then a late Q1 signing, and one investor's project claimed by two units (重复统计).
    expect((await admin.request('POST', '/v1/periods/2025-Q1/close', { reason: '一季度关账' })).status).toBe(201);
    const planted = [
      [LATE, 'zz-erqi', '迟报投资有限公司', '2025-03-10T10:00:00+08:00', 123_456],
      [DUPLICATES[0], 'zz-airport', '重复 投资集团', '2025-08-01T10:00:00+08:00', 30_000],
      [DUPLICATES[1], 'zz-jinshui', '重复投资集团', '2025-08-02T10:00:00+08:00', 40_000],
    ] as const;
    for (const [projectId, unit, investor, signedAt, amount] of planted) {
      const lead = await admin.request('POST', '/v1/projects', {
        projectId,
        name: `${investor}项目`,
        investor: { name: investor, originRegion: 'gba' },
        industry: { chain: 'nev', sector: 'emerging' },
        industrial: true,
        channels: ['industry_chain'],
        unit,
        plannedInvestmentWan: 50_000,
        occurredAt: '2025-01-20T10:00:00+08:00',
      });
      expect(lead.status).toBe(201);
      const signed = await admin.request('POST', `/v1/projects/${projectId}/signing`, { signedAmountWan: amount, occurredAt: signedAt });
      expect(signed.status).toBe(201);
      position = signed.body.position;
    }
    expect((await admin.request('GET', `/v1/projections/status?minPosition=${position}`)).status).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const api = async <T = any>(path: string): Promise<T> => {
    const answer = await leader.request('GET', path);
    if (answer.status !== 200) throw new Error(`GET ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const shot = screenshot;

  const leaderBoard = (viewport = DESKTOP, hash = '') =>
    logIn(browser, stack.url, { username: 'leader', password: 'a long passphrase' }, { viewport, hash });

  /** Waits until the board is drawn for the period, and answers its cards as the page shows them. */
  async function cards(page: Page, period: string, scope = 'city') {
    await page.locator(`section.cockpit[data-ready="true"][data-period="${period}"][data-scope="${scope}"]`).waitFor({ timeout: 15_000 });
    return page.locator('.kpi-card').evaluateAll((nodes) =>
      nodes.map((n) => ({
        code: n.getAttribute('data-code')!,
        actual: n.getAttribute('data-actual')!,
        shown: n.querySelector('.kpi-actual')!.textContent!,
        status: n.querySelector('.kpi-status')!.textContent!,
      })),
    );
  }

  function expectCardsEqual(onPage: Awaited<ReturnType<typeof cards>>, kpis: Kpi[]) {
    expect(onPage.map((c) => c.code)).toEqual(kpis.map((k) => k.code));
    onPage.forEach((card, i) => {
      const kpi = kpis[i];
      expect([card.code, card.actual, card.shown, card.status]).toEqual([
        kpi.code,
        kpi.actual === null ? '' : String(kpi.actual),
        shown(kpi.code, kpi.actual),
        kpi.status === null ? '无目标' : STATUS_WORDS[kpi.status],
      ]);
    });
  }

  it('a reader lands on the board: every card as GET /v1/kpis gives it, then a quarter and a past 截至 date exactly as the API answers', async () => {
    // 2025 is not a running year: the board opens on the whole year (a running one opens on 1–N月累计).
    const { context, page } = await leaderBoard();
    expectCardsEqual(await cards(page, '2025'), (await api('/v1/kpis?year=2025')).kpis);
    const year = await api('/v1/kpis?year=2025');
    expect(year.kpis.some((k: Kpi) => (k.actual ?? 0) > 0)).toBe(true);
    expect(await page.locator('.kpi-card[data-code="signed_total_wan"] .bar-marker').count()).toBe(1);
    await shot(page, '12-驾驶舱');

    await page.getByRole('button', { name: '季度' }).click();
    await page.getByLabel('季度', { exact: true }).selectOption({ label: '第2季度' });
    expectCardsEqual(await cards(page, '2025-Q2'), (await api('/v1/kpis?year=2025&quarter=2')).kpis);

    // The seeded year was recorded today: as recorded yesterday, the board is the empty one the API gives.
    const yesterday = new Date(Date.now() + 8 * 3_600_000 - 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('截至').fill(yesterday);
    await page.getByLabel('截至').dispatchEvent('change');
    const asOf = `${yesterday}T23:59:59.999+08:00`;
    const past = (await api(`/v1/kpis?year=2025&quarter=2&asOf=${encodeURIComponent(asOf)}`)).kpis;
    await page.locator('.cockpit-meta', { hasText: '历史视图' }).waitFor();
    expectCardsEqual(await cards(page, '2025-Q2'), past);
    expect(past.find((k: Kpi) => k.code === 'signed_total_wan').actual).toBe(0);
    // It says what a 截至 board is, and that nothing had been recorded yet by that day.
    await page.getByText(`截至 ${yesterday}：按录入时间显示当日结束前已录入系统的数据`).waitFor();
    await page
      .getByRole('alert')
      .filter({ hasText: `截至 ${yesterday} 系统中尚无任何录入记录` })
      .waitFor();
    await context.close();
  });

  it("1–N月累计: the board of the year to a month's end equals GET /v1/kpis?toMonth=, its summary line counts the statuses, card titles in 亿元", async () => {
    const { context, page } = await leaderBoard(DESKTOP, '#/cockpit?period=2025');
    await cards(page, '2025');
    await page.getByRole('button', { name: '1–N月累计' }).click();
    await page.getByLabel('累计至').selectOption({ label: '1–6月' });
    const report = await api('/v1/kpis?year=2025&toMonth=6');
    expect(report.period).toBe('2025-01/06');
    const shownCards = await cards(page, '2025-01/06');
    expectCardsEqual(shownCards, report.kpis);
    await page.getByText('2025年1–6月累计').waitFor();

    const summary = page.locator('.cockpit-summary');
    const count = (status: string | null) => report.kpis.filter((k: Kpi) => k.status === status).length;
    expect(await summary.evaluate((n) => [n.dataset.met, n.dataset.onTrack, n.dataset.behind, n.dataset.none].map(Number))).toEqual([
      count('met'),
      count('on_track'),
      count('behind'),
      count(null),
    ]);
    expect(await summary.textContent()).toContain(`${count('met')} 项达标 · ${count('on_track')} 项序时推进 · ${count('behind')} 项滞后`);
    // The amounts' big figures are in 亿元, and so are their titles.
    const title = await page.locator('.kpi-card[data-code="signed_total_wan"] h3').textContent();
    expect(title).toBe('新签约招商引资项目签约总额(亿元)');
    await shot(page, '17-驾驶舱-1至6月累计');
    await context.close();

    const phone = await leaderBoard(PHONE, '#/cockpit?period=2025-01%2F06');
    await cards(phone.page, '2025-01/06');
    await shot(phone.page, '18-驾驶舱-1至6月累计-手机');
    await phone.context.close();
  });

  it('a signing recorded through the API appears on the open board within 5 s, without a reload', async () => {
    const { context, page } = await leaderBoard(DESKTOP, '#/cockpit?period=2025');
    await cards(page, '2025');
    await page.evaluate('window.stillHere = true');
    const card = page.locator('.kpi-card[data-code="signed_total_wan"]');
    const before = Number(await card.getAttribute('data-actual'));
    const projectId = randomUUID();
    const lead = await admin.request('POST', '/v1/projects', {
      projectId,
      name: '驾驶舱实时项目',
      investor: { name: '实时投资有限公司', originRegion: 'yrd' },
      industry: { chain: 'nev', sector: 'emerging' },
      industrial: true,
      channels: ['industry_chain'],
      unit: 'zz-erqi',
      plannedInvestmentWan: 80_000,
      occurredAt: '2025-06-10T10:00:00+08:00',
    });
    expect(lead.status).toBe(201);
    const signedAt = Date.now();
    const signing = await admin.request('POST', `/v1/projects/${projectId}/signing`, {
      signedAmountWan: 76_543,
      occurredAt: '2025-06-15T10:00:00+08:00',
    });
    expect(signing.status).toBe(201);
    // A locator, not a string predicate: the console's Content-Security-Policy forbids the eval that one needs.
    await page.locator(`.kpi-card[data-code="signed_total_wan"][data-actual="${before + 76_543}"]`).waitFor({ timeout: 5_000 });
    expect(Date.now() - signedAt).toBeLessThan(5_000);
    expect(await page.evaluate('window.stillHere')).toBe(true);
    await context.close();
  });

  it('单位排名 follows the rule of contract §8 computed from /v1/kpis/units, and a unit opens its own board', async () => {
    const units: Kpi[] = (await api('/v1/kpis/units?year=2025')).kpis;
    const expected = [...new Set(units.map((k) => k.scope))]
      .map((scope) => ({
        scope,
        met: units.filter((k) => k.scope === scope && k.status === 'met').length,
        total: units.find((k) => k.scope === scope && k.code === 'unit.signed_total_wan')!.actual!,
      }))
      .sort((a, b) => b.met - a.met || b.total - a.total || (a.scope < b.scope ? -1 : 1))
      .map((u) => u.scope);
    const { context, page } = await leaderBoard(DESKTOP, '#/cockpit?period=2025');
    await cards(page, '2025');
    expect(await page.locator('table.ranking tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-unit')))).toEqual(
      expected,
    );

    const second = expected[1];
    await page.locator(`table.ranking tr[data-unit="${second}"] a`).click();
    const own = units.filter((k) => k.scope === second);
    expectCardsEqual(await cards(page, '2025', second), own);
    await shot(page, '14-驾驶舱-单位');
    await page.getByText(`单位排名 第 2 / ${expected.length}`).waitFor();
    await context.close();
  });

  it("预警: stalled projects as GET /v1/projects/stalled gives them (highest value first), units behind with their KPIs; a past board's as of that day", async () => {
    const stalled = await api('/v1/projects/stalled?days=30&limit=10');
    expect(stalled.count).toBeGreaterThan(0);
    const { context, page } = await leaderBoard(DESKTOP, '#/cockpit?period=2025');
    await cards(page, '2025');
    const warnings = page.locator('section.warnings');
    await warnings.getByText(`${stalled.count} 个`).first().waitFor();
    expect(await warnings.locator('ul.stalled li').evaluateAll((items) => items.map((i) => i.getAttribute('data-project')))).toEqual(
      stalled.items.map((p: { projectId: string }) => p.projectId),
    );
    const amounts = stalled.items.map((p: { amountWan: number }) => p.amountWan);
    expect(amounts).toEqual([...amounts].sort((x, y) => y - x));
    expect(stalled.items.every((p: { stage: string; idleDays: number }) => p.stage === 'signed' || p.idleDays < 365)).toBe(true);
    const first = stalled.items[0];
    await warnings.getByText(`停滞 ${first.idleDays} 天`).first().waitFor();

    // Each unit behind names its KPIs behind and opens its own board.
    const units: Kpi[] = (await api('/v1/kpis/units?year=2025')).kpis;
    const behindUnits = [...new Set(units.filter((k) => k.status === 'behind').map((k) => k.scope))];
    expect(await warnings.locator('ul.behind li').count()).toBe(behindUnits.length);
    const unit = behindUnits[0];
    const behindItem = warnings.locator(`ul.behind li[data-unit="${unit}"]`);
    expect(await behindItem.textContent()).toContain('滞后：');
    await shot(page, '19-驾驶舱-预警');

    const link = warnings.getByRole('link', { name: first.name, exact: true }).first();
    expect(await link.getAttribute('href')).toBe(`#/projects/${first.projectId}`);
    await link.click();
    await page.getByRole('heading', { name: first.name }).waitFor();
    await page.goBack();
    await cards(page, '2025');
    await page.locator(`section.warnings ul.behind li[data-unit="${unit}"] a`).click();
    await cards(page, '2025', unit);
    const ofUnit = await api(`/v1/projects/stalled?days=30&limit=10&unit=${unit}`);
    // Locators, not a polled predicate: the console's Content-Security-Policy refuses the eval one needs.
    await page
      .locator('section.warnings h3 .count', { hasText: new RegExp(`^${ofUnit.count} 个$`) })
      .first()
      .waitFor({ timeout: 15_000 });

    // A past 截至 board: 预警 as recorded by then, that day as "today" — not today's list.
    const yesterday = new Date(Date.now() + 8 * 3_600_000 - 86_400_000).toISOString().slice(0, 10);
    const past = await api(`/v1/projects/stalled?days=30&limit=10&asOf=${encodeURIComponent(`${yesterday}T23:59:59.999+08:00`)}`);
    await page.goto(`${stack.url}/#/cockpit?period=2025&date=${yesterday}`);
    await cards(page, '2025');
    const pastWarnings = page.locator('section.warnings');
    await pastWarnings.getByText(`截至 ${yesterday}`).first().waitFor();
    expect(await pastWarnings.locator('h3 .count').first().textContent()).toBe(`${past.count} 个`);
    expect(past.count).not.toBe(stalled.count);
    expect(await pastWarnings.locator('ul.stalled li').count()).toBe(past.items.length);
    await shot(page, '20-驾驶舱-截至无记录');
    await context.close();

    const phone = await leaderBoard(PHONE, `#/cockpit?period=2025&date=${yesterday}`);
    await cards(phone.page, '2025');
    await shot(phone.page, '21-驾驶舱-截至无记录-手机');
    await phone.context.close();
  });

  it('a closed quarter shows 初报 and 修订 on its cards, as the API reports them', async () => {
    const api1 = (await api('/v1/kpis?year=2025&quarter=1')).kpis.find((k: Kpi) => k.code === 'signed_total_wan');
    expect(api1.restated).toBe(123_456);
    const { context, page } = await leaderBoard(DESKTOP, '#/cockpit?period=2025-Q1');
    await cards(page, '2025-Q1');
    const revision = page.locator('.kpi-card[data-code="signed_total_wan"] .kpi-revision');
    expect([await revision.getAttribute('data-reported'), await revision.getAttribute('data-restated')]).toEqual([
      String(api1.reported),
      String(api1.restated),
    ]);
    expect(await revision.textContent()).toBe(
      `初报 ${shown('signed_total_wan', api1.reported)} · 修订 +${shown('signed_total_wan', 123_456)}`,
    );
    await shot(page, '15-驾驶舱-关账季度');

    // A changed target: the open board shows it and its history, with who changed it and why.
    const changed = await admin.request('POST', '/v1/targets/changes', {
      code: 'signed_total_wan',
      scope: 'city',
      period: '2025-Q1',
      target: 30_000_000,
      reason: '按一季度实际调整',
    });
    expect(changed.status).toBe(201);
    const history = page.locator('.kpi-card[data-code="signed_total_wan"] details.target-history');
    await history.waitFor({ timeout: 5_000 });
    await history.locator('summary').click();
    expect(await history.locator('li').allTextContents()).toEqual([
      `> ${shown('signed_total_wan', 28_000_000)} · 年度计划`,
      expect.stringMatching(
        new RegExp(`^> ${shown('signed_total_wan', 30_000_000)} · \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d 系统管理员：按一季度实际调整$`),
      ),
    ]);
    await context.close();
  });

  it("数据质量 lists the planted duplicate claim with links to both projects; the ranking counts each unit's flags", async () => {
    const { context, page } = await leaderBoard(DESKTOP, '#/cockpit?period=2025');
    await cards(page, '2025');
    const airport = page.locator('table.ranking tr[data-unit="zz-airport"] td[data-flags]');
    await page.locator('table.ranking tr[data-unit="zz-airport"] td[data-flags]:not([data-flags="0"])').waitFor();
    const counted = Number(await airport.getAttribute('data-flags'));
    const flags = (await api('/v1/quality/flags?period=2025&unit=zz-airport&limit=500')).items;
    expect(counted).toBe(flags.length);

    await page.getByRole('link', { name: '数据质量' }).first().click();
    await page.getByRole('heading', { name: '数据质量' }).waitFor();
    await page.getByLabel('规则').selectOption({ label: '重复统计' });
    const claim = page.locator('li[data-rule="duplicate_claim"]', { hasText: '重复 投资集团项目' }).first();
    await claim.waitFor();
    for (const [id, name] of [
      [DUPLICATES[0], '重复 投资集团项目'],
      [DUPLICATES[1], '重复投资集团项目'],
    ]) {
      expect(await claim.getByRole('link', { name, exact: true }).getAttribute('href')).toBe(`#/projects/${id}`);
    }
    await shot(page, '16-数据质量');
    await claim.getByRole('link', { name: '重复投资集团项目', exact: true }).click();
    await page.getByRole('heading', { name: '重复投资集团项目' }).waitFor();
    await context.close();
  });

  it('导出月报 downloads the workbook; the board fits a phone without horizontal scrolling', async () => {
    const { context, page } = await leaderBoard(DESKTOP, '#/cockpit?period=2025');
    await cards(page, '2025');
    await page.getByLabel('月报月份').selectOption({ label: '6月' });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: '导出月报' }).click()]);
    expect(download.suggestedFilename()).toBe('招商引资月报-2025-06.xlsx');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(await download.path());
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['说明', '城市指标', '单位排名', '渠道分布', '区域分布']);
    await context.close();

    const phone = await leaderBoard(PHONE, '#/cockpit?period=2025');
    await cards(phone.page, '2025');
    const overflow = await phone.page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(phone.page, '13-驾驶舱-手机');
    await phone.context.close();
  });
});
