import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { KPI_STATUS_NAMES, STAGE_NAMES } from '../../../../libs/domain/src/labels';
import { elapsedShare, localDate, periodBounds, yearToDateLabel, type Period } from '../../../../libs/domain/src/periods';
import { parsePeriodLabel } from '../../../../libs/domain/src/plan/plan';
import { rankUnits, type UnitRank } from '../../../../libs/domain/src/ranking';
import { api } from '../api';
import { formatTime, nowInShanghai } from '../form';
import { nameIn, type Reference } from '../session';
import { allFlags } from './quality';

/** A KPI result as the read API answers it (contract §3). */
export interface Kpi {
  readonly code: string;
  readonly label: string;
  readonly scope: string;
  readonly period: string;
  readonly actual: number | null;
  readonly target: number | null;
  readonly comparator: '>=' | '>' | null;
  readonly progress: number | null;
  readonly status: keyof typeof KPI_STATUS_NAMES | null;
  /** For a closed period: the value at the close (初报) and what has moved it since (修订). */
  readonly reported?: number | null;
  readonly restated?: number | null;
  /** The targets file's entry, then each change recorded by the report's time. */
  readonly targetHistory?: ReadonlyArray<{
    target: number | null;
    comparator: '>=' | '>' | null;
    actorName: string | null;
    reason: string | null;
    recordedAt: string | null;
  }>;
}

interface KpiReport {
  readonly period: string;
  readonly asOf: string;
  readonly position: number;
  readonly kpis: Kpi[];
}

interface Trend {
  readonly targets: { signedWan: number | null; startedWan: number | null };
  readonly months: Array<{ month: string; signedCumulativeWan: number; startedCumulativeWan: number }>;
  readonly position: number;
  /** On a past board: the latest event recorded by then, null when nothing had been recorded yet. */
  readonly lastRecorded?: { position: number; recordedAt: string } | null;
}

interface BreakdownRow {
  readonly key: string | null;
  readonly signed: { count: number; amountWan: number };
}

interface Stalled {
  readonly count: number;
  readonly deadLeadDays: number;
  readonly items: Array<{
    projectId: string;
    name: string;
    unit: string;
    stage: keyof typeof STAGE_NAMES;
    amountWan: number;
    lastEventAt: string;
    idleDays: number;
  }>;
}

interface Board {
  readonly cards: Kpi[];
  readonly ranking: UnitRank<Kpi>[];
  readonly trend: Trend;
  readonly byChannel: BreakdownRow[];
  readonly byRegion: BreakdownRow[];
  readonly stalled: Stalled;
  readonly period: string;
  readonly position: number;
  readonly asOf: string;
}

/** What the board shows, as the hash says it: #/cockpit?period=2025-Q1&date=2025-06-30&unit=zz-erqi (period 2025-01/06: 1–6月累计). */
interface View {
  readonly period: string;
  /** 截至: a past day (Asia/Shanghai), or '' for now. */
  readonly date: string;
  readonly unit: string;
}

const TIME_ZONE = 'Asia/Shanghai';
const STALLED_DAYS = 30;
/** The board reloads at most this often while events keep coming. */
const MIN_RELOAD_MS = 2000;

/** Short column names of the unit KPIs in 单位排名 (the full label is the column's title). */
const UNIT_KPI_SHORT: Readonly<Record<string, string>> = {
  'unit.mega_signed_count': '重大项目',
  'unit.fund_landed_count': '基金落地',
  'unit.industry_chain_signed_count': '链式招商',
};

/** The charts (ECharts) load beside the board's data, not before it. */
type Charts = typeof import('../charts');
const chartsModule: Promise<Charts> = import('../charts');

/** 1–N月累计, labelled as the API labels its results (`2025-01/06`): the year to month N's end. */
const YEAR_TO_DATE = /^(\d{4})-01\/(0[1-9]|1[0-2])$/;

/** N of a 1–N月累计 label, else null. */
const toMonthOf = (label: string): number | null => {
  const match = YEAR_TO_DATE.exec(label);
  return match ? Number(match[2]) : null;
};

/** The board a running year opens on: 1–N月累计 with N this month in Asia/Shanghai; another year's whole year. */
function defaultPeriod(planYear: number): string {
  const now = shanghaiMonth(new Date());
  return now.year === planYear ? yearToDateLabel(planYear, now.month) : String(planYear);
}

/** The view a route names; without a period, the plan's default (or '' before it is known: the API's default). */
export function viewOf(route: string, planYear: number | null): View {
  const params = new URLSearchParams(route.split('?')[1] ?? '');
  const period = params.get('period') ?? '';
  return {
    period: parsePeriodLabel(period) || YEAR_TO_DATE.test(period) ? period : planYear === null ? '' : defaultPeriod(planYear),
    date: /^\d{4}-\d\d-\d\d$/.test(params.get('date') ?? '') ? params.get('date')! : '',
    unit: params.get('unit') ?? '',
  };
}

export function hrefOf(view: View): string {
  const params = new URLSearchParams({ period: view.period });
  if (view.date) params.set('date', view.date);
  if (view.unit) params.set('unit', view.unit);
  return `#/cockpit?${params}`;
}

/** A view's period (checked by viewOf, or the plan's year); 1–N月累计 is counted within its year. */
const periodOf = (label: string): Period =>
  toMonthOf(label) === null ? parsePeriodLabel(label)! : { kind: 'year', year: Number(label.slice(0, 4)) };

/** The query string of a period: year, and quarter, month or toMonth ('': none, the plan's year). */
function periodParams(label: string): Record<string, string> {
  if (label === '') return {};
  const period = periodOf(label);
  const toMonth = toMonthOf(label);
  if (toMonth !== null) return { year: String(period.year), toMonth: String(toMonth) };
  if (period.kind === 'quarter') return { year: String(period.year), quarter: String(period.quarter) };
  if (period.kind === 'month') return { year: String(period.year), month: String(period.month) };
  return { year: String(period.year) };
}

/** The instant a 截至 day stands for: its last millisecond in Asia/Shanghai. */
export const asOfOfDate = (date: string): string => `${date}T23:59:59.999+08:00`;

/** Today in Asia/Shanghai, YYYY-MM-DD. */
const todayInShanghai = (): string => nowInShanghai().slice(0, 10);

/** A card's title in the unit its big figure is shown in: amounts in 亿元. */
export function cardTitle(kpi: Pick<Kpi, 'code' | 'label'>): string {
  if (!kpi.code.endsWith('_wan')) return kpi.label;
  return /[(（]万元[)）]/.test(kpi.label) ? kpi.label.replace(/[(（]万元[)）]/, '(亿元)') : `${kpi.label}(亿元)`;
}

/** A KPI's value as the board shows it: amounts in 亿元, shares in per cent, counts whole. */
export function formatKpiValue(code: string, value: number | null): string {
  if (value === null) return '—';
  if (code.endsWith('_share')) return `${(value * 100).toFixed(1)}%`;
  if (code.endsWith('_wan'))
    return `${(value / 10_000).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} 亿元`;
  return value.toLocaleString('zh-CN');
}

/** A revision with its sign: +1.20 亿元, −3, +0.0%. */
function signed(code: string, value: number | null): string {
  if (value === null) return '—';
  return `${value < 0 ? '−' : '+'}${formatKpiValue(code, Math.abs(value))}`;
}

const percent = (share: number | null) => (share === null ? '—' : `${(share * 100).toFixed(1)}%`);
const comparatorSign = (c: Kpi['comparator']) => (c === '>' ? '>' : '≥');

async function loadBoard(view: View, minPosition: number, signal: AbortSignal): Promise<Board> {
  const base: Record<string, string> = { ...periodParams(view.period) };
  if (view.date) base.asOf = asOfOfDate(view.date);
  if (minPosition > 0) base.minPosition = String(minPosition);
  const query = (extra: Record<string, string> = {}) => new URLSearchParams({ ...base, ...extra }).toString();
  const unit: Record<string, string> = view.unit ? { unit: view.unit } : {};
  const trendParams: Record<string, string> = { ...unit };
  if (base.year) trendParams.year = base.year;
  if (base.asOf) trendParams.asOf = base.asOf;
  if (base.minPosition) trendParams.minPosition = base.minPosition;
  // 预警 as of the board's day too: what had been recorded by then, that day as "today".
  const stalledParams: Record<string, string> = { days: String(STALLED_DAYS), limit: '10', ...unit };
  if (base.asOf) stalledParams.asOf = base.asOf;
  const get = <T,>(path: string) => api<T>('GET', path, undefined, signal);
  const [city, units, trend, byChannel, byRegion, stalled] = await Promise.all([
    view.unit ? null : get<KpiReport>(`/v1/kpis?${query()}`),
    get<KpiReport>(`/v1/kpis/units?${query()}`),
    get<Trend>(`/v1/kpis/trend?${new URLSearchParams(trendParams)}`),
    get<{ rows: BreakdownRow[] }>(`/v1/breakdown?${query({ by: 'channel', ...unit })}`),
    get<{ rows: BreakdownRow[] }>(`/v1/breakdown?${query({ by: 'region', ...unit })}`),
    get<Stalled>(`/v1/projects/stalled?${new URLSearchParams(stalledParams)}`),
  ]);
  const report = city ?? units;
  return {
    cards: city ? city.kpis : units.kpis.filter((k) => k.scope === view.unit),
    ranking: rankUnits(units.kpis),
    trend,
    byChannel: byChannel.rows,
    byRegion: byRegion.rows,
    stalled,
    period: report.period,
    position: Math.min(report.position, units.position, trend.position),
    asOf: report.asOf,
  };
}

/** A board whose loading began before the page was drawn (the console opened on the cockpit's address). */
let prefetched: { route: string; period: string; board: Promise<Board> } | null = null;

/** Starts loading the board of a route at once, in parallel with the session and the reference data. */
export function prefetchBoard(route: string): void {
  // The default period depends on the plan's year, not known yet: the one seen last time, else this year.
  const view = viewOf(route, rememberedPlanYear() ?? shanghaiMonth(new Date()).year);
  const board = loadBoard(view, 0, new AbortController().signal);
  board.catch(() => undefined);
  prefetched = { route, period: view.period, board };
}

const PLAN_YEAR_KEY = 'cockpit.planYear';

/** The plan's year as this browser last saw it (not a secret: it picks the period to prefetch). */
function rememberedPlanYear(): number | null {
  try {
    return Number(localStorage.getItem(PLAN_YEAR_KEY)) || null;
  } catch {
    return null;
  }
}

function rememberPlanYear(year: number): void {
  try {
    localStorage.setItem(PLAN_YEAR_KEY, String(year));
  } catch {
    // Storage refused (private mode): the next visit guesses this year.
  }
}

/** The prefetched board, if it was loaded for this route and period. */
function takePrefetched(route: string, period: string): Promise<Board> | null {
  const board = prefetched?.route === route && prefetched.period === period ? prefetched.board : null;
  prefetched = null;
  return board;
}

/** 驾驶舱 (contract §8): the plan's progress for a period, as it stands or as recorded on a past day; it follows new events. */
export function CockpitPage(props: { route: string; reference: Reference }) {
  const { reference } = props;
  const view = viewOf(props.route, reference.planYear);
  const key = hrefOf(view);
  // The board with the view it was loaded for: a board of another view is never shown under this one's header.
  const [loaded, setLoaded] = useState<{ key: string; board: Board } | null>(null);
  const board = loaded?.key === key ? loaded.board : null;
  const [failure, setFailure] = useState<string | null>(null);
  const [charts, setCharts] = useState<Charts | null>(null);
  // Quality flags per unit, beside the ranking: read after the board, which does not wait for them.
  const [flagCounts, setFlagCounts] = useState<Map<string, number> | null>(null);
  const flagYear = (view.period || String(reference.planYear)).slice(0, 4);
  const [exportMonth, setExportMonth] = useState(() => defaultExportMonth(view, reference.planYear));
  const live = view.date === '';
  useEffect(() => rememberPlanYear(reference.planYear), [reference.planYear]);
  // The report's month follows the board's period (1–6月累计 exports June).
  useEffect(() => setExportMonth(defaultExportMonth(view, reference.planYear)), [view.period, view.date]);

  useEffect(() => {
    const abort = new AbortController();
    let position = 0;
    let lastLoad = 0;
    setFailure(null);
    const early = takePrefetched(props.route, view.period);
    const load = async (minPosition: number) => {
      lastLoad = Date.now();
      const next = await (minPosition === 0 && early
        ? early.catch(() => loadBoard(view, 0, abort.signal))
        : loadBoard(view, minPosition, abort.signal));
      if (abort.signal.aborted) return;
      position = Math.max(position, next.position);
      setLoaded({ key, board: next });
    };
    const follow = async () => {
      while (!abort.signal.aborted) {
        try {
          const { position: reached } = await api<{ position: number }>(
            'GET',
            `/v1/projections/position?after=${position}`,
            undefined,
            abort.signal,
          );
          if (reached <= position) continue;
          await pause(lastLoad + MIN_RELOAD_MS - Date.now(), abort.signal);
          await load(reached);
        } catch {
          await pause(3000, abort.signal);
        }
      }
    };
    load(0).then(
      () => (live ? follow() : undefined),
      (error) => {
        if (!abort.signal.aborted) setFailure(error instanceof Error ? error.message : String(error));
      },
    );
    return () => abort.abort();
  }, [key]);
  useEffect(() => {
    void chartsModule.then((module) => setCharts(() => module));
  }, []);
  const drawn = board !== null && charts !== null;
  useEffect(() => {
    setFlagCounts(null);
    if (!drawn) return;
    const params = new URLSearchParams({ period: flagYear });
    if (view.date) params.set('asOf', asOfOfDate(view.date));
    allFlags(params).then(
      (flags) => {
        const counts = new Map<string, number>();
        for (const flag of flags) for (const unit of flag.units) counts.set(unit, (counts.get(unit) ?? 0) + 1);
        setFlagCounts(counts);
      },
      () => setFlagCounts(new Map()),
    );
  }, [flagYear, view.date, drawn]);

  const go = (change: Partial<View>) => {
    location.hash = hrefOf({ ...view, ...change });
  };
  const period = periodOf(view.period);
  const toMonth = toMonthOf(view.period);
  const now = view.date ? new Date(asOfOfDate(view.date)) : new Date();
  // 1–N月累计 is judged at month N's end once that has passed.
  const monthEnd = toMonth === null ? null : periodBounds({ kind: 'month', year: period.year, month: toMonth }, TIME_ZONE).end;
  const at = monthEnd !== null && monthEnd < now ? monthEnd : now;
  const elapsed = elapsedShare(period, TIME_ZONE, at);
  const unitName = view.unit ? nameIn(reference.units, view.unit) : '';
  const rank = board?.ranking.find((r) => r.unit === view.unit);

  return (
    <section
      class="cockpit"
      data-ready={board && charts ? 'true' : undefined}
      data-period={board?.period}
      data-scope={board ? view.unit || 'city' : undefined}
      data-position={board?.position}
    >
      <div class="cockpit-head">
        <h1>
          驾驶舱{view.unit ? ` · ${unitName}` : ''}
          <small>{reference.planName}</small>
        </h1>
        <PeriodPicker view={view} planYear={reference.planYear} onChange={(p) => go({ period: p })} />
        <label class="as-of">
          截至
          <input
            type="date"
            value={view.date || todayInShanghai()}
            max={todayInShanghai()}
            min={`${reference.planYear - 1}-01-01`}
            onChange={(e) => {
              const date = (e.target as HTMLInputElement).value;
              go({ date: date && date < todayInShanghai() ? date : '' });
            }}
          />
        </label>
        {view.date ? (
          <button type="button" class="secondary" onClick={() => go({ date: '' })}>
            回到今天
          </button>
        ) : null}
        <span class="cockpit-actions">
          <label>
            月报
            <select value={exportMonth} onChange={(e) => setExportMonth((e.target as HTMLSelectElement).value)} aria-label="月报月份">
              {Array.from({ length: 12 }, (_, i) => (
                <option key={i} value={String(i + 1)}>
                  {i + 1}月
                </option>
              ))}
            </select>
          </label>
          <a class="button" href={`/v1/reports/monthly.xlsx?year=${period.year}&month=${exportMonth}`} download>
            导出月报
          </a>
          <button type="button" class="secondary" onClick={() => print()}>
            打印
          </button>
        </span>
      </div>
      <p class="cockpit-meta" role="status">
        {view.unit ? <a href={hrefOf({ ...view, unit: '' })}>← 全市</a> : null}
        <span>
          期间 <strong>{periodName(view.period)}</strong>
        </span>
        <span>
          截至 <strong data-as-of={board?.asOf}>{view.date ? `${view.date}（当日记录）` : board ? formatTime(board.asOf) : '…'}</strong>
        </span>
        <span>序时进度 {percent(elapsed)}</span>
        {live ? <span class="live">实时更新</span> : <span>历史视图</span>}
        {rank ? (
          <span>
            单位排名 第 {rank.rank} / {board!.ranking.length}
          </span>
        ) : null}
      </p>
      {view.date ? <AsOfNote date={view.date} lastRecorded={board?.trend.lastRecorded} /> : null}
      {board ? <Summary cards={board.cards} /> : null}
      {failure ? (
        <p role="alert" class="error">
          加载失败：{failure}
        </p>
      ) : !board ? (
        <p class="loading">加载中…</p>
      ) : (
        <>
          <div class="kpi-grid">
            {board.cards.map((kpi) => (
              <KpiCard key={kpi.code} kpi={kpi} elapsed={elapsed} />
            ))}
          </div>
          <div class="chart-row">
            <figure class="chart-box">
              <figcaption>签约额、开工额累计趋势（亿元）</figcaption>
              <Chart
                charts={charts}
                option={(c) =>
                  c.trendOption({
                    months: board.trend.months,
                    targets: board.trend.targets,
                    through: Math.min(toMonth ?? 12, monthsThrough(period.year, now)),
                  })
                }
              />
            </figure>
          </div>
          <div class="chart-row two">
            <figure class="chart-box">
              <figcaption>按招商方式</figcaption>
              <BreakdownChart charts={charts} rows={named(board.byChannel, reference.channels)} />
            </figure>
            <figure class="chart-box">
              <figcaption>按投资方来源地区</figcaption>
              <BreakdownChart charts={charts} rows={named(board.byRegion, reference.regions)} />
            </figure>
          </div>
          <Warnings board={board} view={view} reference={reference} />
          {view.unit ? null : <Ranking board={board} view={view} reference={reference} flagCounts={flagCounts} year={flagYear} />}
        </>
      )}
    </section>
  );
}

function KpiCard({ kpi, elapsed }: { kpi: Kpi; elapsed: number }) {
  const status = kpi.status ? KPI_STATUS_NAMES[kpi.status] : '无目标';
  const fill = kpi.progress === null ? 0 : Math.min(1, kpi.progress);
  return (
    <article class={`kpi-card status-${kpi.status ?? 'none'}`} data-code={kpi.code} data-actual={kpi.actual ?? ''}>
      <h3>{cardTitle(kpi)}</h3>
      <p class="kpi-actual">{formatKpiValue(kpi.code, kpi.actual)}</p>
      {kpi.code.endsWith('_wan') && kpi.actual !== null ? <p class="kpi-exact">{kpi.actual.toLocaleString('zh-CN')} 万元</p> : null}
      {kpi.reported !== undefined && kpi.reported !== null ? (
        <p class="kpi-revision" data-reported={kpi.reported} data-restated={kpi.restated ?? ''}>
          初报 {formatKpiValue(kpi.code, kpi.reported)} · 修订 {signed(kpi.code, kpi.restated ?? null)}
        </p>
      ) : null}
      <p class="kpi-target">
        {kpi.target === null ? '本期无目标' : `目标 ${comparatorSign(kpi.comparator)} ${formatKpiValue(kpi.code, kpi.target)}`}
      </p>
      {kpi.targetHistory?.some((h) => h.recordedAt !== null) ? (
        <details class="target-history">
          <summary>目标已调整</summary>
          <ol>
            {kpi.targetHistory.map((h, i) => (
              <li key={i}>
                {h.target === null ? '取消目标' : `${comparatorSign(h.comparator)} ${formatKpiValue(kpi.code, h.target)}`}
                <span class="muted">
                  {h.recordedAt === null
                    ? ' · 年度计划'
                    : ` · ${formatTime(h.recordedAt)} ${h.actorName ?? ''}${h.reason ? `：${h.reason}` : ''}`}
                </span>
              </li>
            ))}
          </ol>
        </details>
      ) : null}
      {kpi.target !== null ? (
        <div
          class="bar"
          role="progressbar"
          aria-label={`${kpi.label} 完成进度`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(fill * 100)}
        >
          <span class="bar-fill" style={{ width: `${fill * 100}%` }} />
          {kpi.code.endsWith('_share') ? null : (
            <span class="bar-marker" style={{ left: `${elapsed * 100}%` }} title={`序时进度 ${percent(elapsed)}`} />
          )}
        </div>
      ) : null}
      <p class="kpi-foot">
        <span class="kpi-status">{status}</span>
        {kpi.progress !== null ? <span>完成 {percent(kpi.progress)}</span> : null}
      </p>
    </article>
  );
}

/** A chart, drawn before the browser paints (so a board marked ready has its charts), once the charts have loaded. */
function Chart({ charts, option }: { charts: Charts | null; option: (charts: Charts) => Parameters<Charts['drawChart']>[1] }) {
  const element = useRef<HTMLDivElement>(null);
  const drawn = charts ? option(charts) : null;
  useLayoutEffect(() => (charts && drawn ? charts.drawChart(element.current!, drawn) : undefined), [charts, JSON.stringify(drawn)]);
  return <div class="chart" ref={element} />;
}

/** What a past board is: the data as recorded by the end of that day — and a plain word when there was none yet. */
/** A breakdown's bars, or a word when the period has no signing to break down. */
function BreakdownChart({ charts, rows }: { charts: Charts | null; rows: ReturnType<typeof named> }) {
  if (rows.every((r) => r.count === 0)) return <p class="muted chart-empty">本期无签约项目</p>;
  return <Chart charts={charts} option={(c) => c.breakdownOption(rows)} />;
}

function AsOfNote({ date, lastRecorded }: { date: string; lastRecorded: Trend['lastRecorded'] }) {
  return (
    <div class="as-of-note">
      <p>
        截至 {date}：按<strong>录入时间</strong>显示当日结束前已录入系统的数据，之后补录、更正的不计入；按业务发生时间统计请看“1–N月累计”。
      </p>
      {lastRecorded === null ? (
        <p class="as-of-empty" role="alert">
          截至 {date} 系统中尚无任何录入记录，以下数字均为零：这不表示当期零完成，而是数据在此之后才录入（如台账导入）。
        </p>
      ) : lastRecorded ? (
        <p class="muted">当日最后一条录入：{formatTime(lastRecorded.recordedAt)}</p>
      ) : null}
    </div>
  );
}

/** The board in one line: how many KPIs are met, on track, behind, without a target. */
function Summary({ cards }: { cards: readonly Kpi[] }) {
  const counts = { met: 0, on_track: 0, behind: 0, none: 0 };
  for (const kpi of cards) counts[kpi.status ?? 'none'] += 1;
  const parts = [
    ['met', `${counts.met} 项达标`],
    ['on_track', `${counts.on_track} 项序时推进`],
    ['behind', `${counts.behind} 项滞后`],
    ['none', `${counts.none} 项无目标`],
  ] as const;
  return (
    <p class="cockpit-summary" data-met={counts.met} data-on-track={counts.on_track} data-behind={counts.behind} data-none={counts.none}>
      {parts
        .filter(([key]) => counts[key] > 0 || key !== 'none')
        .map(([key, text], i) => (
          <span key={key} class={`summary-${key}`}>
            {i > 0 ? ' · ' : ''}
            {text}
          </span>
        ))}
    </p>
  );
}

function Warnings({ board, view, reference }: { board: Board; view: View; reference: Reference }) {
  const behind = board.ranking.filter((r) => r.behind > 0 && (!view.unit || r.unit === view.unit));
  return (
    <section class="warnings" aria-labelledby="warnings-title">
      <h2 id="warnings-title">预警</h2>
      <div class="warning-cols">
        <div>
          <h3>
            停滞项目（{STALLED_DAYS} 天以上无进展，{view.date ? `截至 ${view.date}` : '截至今天'}）
            <span class="count">{board.stalled.count} 个</span>
          </h3>
          <p class="muted">
            按签约额（未签约按计划投资额）从高到低；线索、在谈项目 {board.stalled.deadLeadDays} 天以上无进展视为已失效，不列入。
          </p>
          {board.stalled.items.length === 0 ? (
            <p class="muted">无</p>
          ) : (
            <ul class="stalled">
              {board.stalled.items.map((p) => (
                <li key={p.projectId} data-project={p.projectId}>
                  <a href={`#/projects/${p.projectId}`}>{p.name}</a>
                  <span class="muted">
                    {formatKpiValue('amount_wan', p.amountWan)} · {STAGE_NAMES[p.stage] ?? p.stage} · 停滞 {p.idleDays} 天 ·{' '}
                    <a href={hrefOf({ ...view, unit: p.unit })}>{nameIn(reference.units, p.unit)}</a>
                  </span>
                </li>
              ))}
            </ul>
          )}
        </div>
        <div>
          <h3>
            进度滞后单位<span class="count">{behind.length} 个</span>
          </h3>
          <p class="muted">单位指标低于序时进度（期末未完成）的单位及其滞后指标；点击单位查看其驾驶舱与停滞项目。</p>
          {behind.length === 0 ? (
            <p class="muted">无</p>
          ) : (
            <ul class="behind">
              {behind.map((r) => (
                <li key={r.unit} data-unit={r.unit}>
                  <a href={hrefOf({ ...view, unit: r.unit })}>{nameIn(reference.units, r.unit)}</a>
                  <span class="muted">
                    滞后：
                    {r.results
                      .filter((k) => k.status === 'behind')
                      .map((k) => `${UNIT_KPI_SHORT[k.code] ?? k.label} ${k.actual ?? '—'}/${k.target ?? '—'}`)
                      .join('、')}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </section>
  );
}

function Ranking(props: { board: Board; view: View; reference: Reference; flagCounts: Map<string, number> | null; year: string }) {
  const { board, view, reference, flagCounts } = props;
  const codes = [...new Set(board.ranking.flatMap((r) => r.results.filter((k) => k.target !== null).map((k) => k.code)))];
  const labelOf = (code: string) => board.ranking[0]?.results.find((k) => k.code === code)?.label ?? code;
  return (
    <section aria-labelledby="ranking-title">
      <h2 id="ranking-title">单位排名</h2>
      <p class="muted">按达标指标数、签约额合计、单位代码排序；点击单位查看其驾驶舱。</p>
      <div class="table-wrap">
        <table class="ranking">
          <thead>
            <tr>
              <th>排名</th>
              <th>单位</th>
              <th>达标</th>
              <th>签约额合计</th>
              {codes.map((code) => (
                <th key={code} title={labelOf(code)}>
                  {UNIT_KPI_SHORT[code] ?? labelOf(code)}
                </th>
              ))}
              <th title="本年度数据质量提示条数">数据质量</th>
            </tr>
          </thead>
          <tbody>
            {board.ranking.map((r) => (
              <tr key={r.unit} data-unit={r.unit}>
                <td>{r.rank}</td>
                <td>
                  <a href={hrefOf({ ...view, unit: r.unit })}>{nameIn(reference.units, r.unit)}</a>
                </td>
                <td>
                  {r.met} / {codes.length}
                </td>
                <td class="num">{formatKpiValue('unit.signed_total_wan', r.signedTotalWan)}</td>
                {codes.map((code) => {
                  const k = r.results.find((x) => x.code === code);
                  return (
                    <td key={code} class={`num status-${k?.status ?? 'none'}`}>
                      {k ? `${k.actual ?? '—'} / ${k.target ?? '—'}` : '—'}
                      {k?.status ? <span class="chip">{KPI_STATUS_NAMES[k.status]}</span> : null}
                    </td>
                  );
                })}
                <td class="num" data-flags={flagCounts?.get(r.unit) ?? ''}>
                  {flagCounts === null ? (
                    '…'
                  ) : flagCounts.get(r.unit) ? (
                    <a class="flags-count" href={`#/quality?unit=${r.unit}&period=${props.year}`}>
                      {flagCounts.get(r.unit)} 条
                    </a>
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function PeriodPicker({ view, planYear, onChange }: { view: View; planYear: number; onChange: (period: string) => void }) {
  const year = view.period.slice(0, 4);
  const kind = toMonthOf(view.period) !== null ? 'ytd' : view.period.length === 4 ? 'year' : view.period[5] === 'Q' ? 'quarter' : 'month';
  const years = [planYear - 1, planYear, planYear + 1].map(String);
  const ytdMonth = yearToDateMonthOf(view.period);
  return (
    <span class="period-picker" role="group" aria-label="期间">
      <select aria-label="年份" value={year} onChange={(e) => onChange(`${(e.target as HTMLSelectElement).value}${view.period.slice(4)}`)}>
        {years.map((y) => (
          <option key={y} value={y}>
            {y}年
          </option>
        ))}
      </select>
      {(
        [
          ['ytd', '1–N月累计', yearToDateLabel(Number(year), ytdMonth)],
          ['year', '年度', year],
          ['quarter', '季度', `${year}-Q${currentQuarterOf(view.period)}`],
          ['month', '月度', `${year}-${String(currentMonthOf(view.period)).padStart(2, '0')}`],
        ] as const
      ).map(([k, label, target]) => (
        <button
          key={k}
          type="button"
          class={kind === k ? 'chosen' : 'secondary'}
          aria-pressed={kind === k}
          onClick={() => onChange(target)}
        >
          {label}
        </button>
      ))}
      {kind === 'ytd' ? (
        <select aria-label="累计至" value={view.period} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
          {Array.from({ length: 12 }, (_, i) => yearToDateLabel(Number(year), i + 1)).map((label, i) => (
            <option key={label} value={label}>
              1–{i + 1}月
            </option>
          ))}
        </select>
      ) : kind === 'quarter' ? (
        <select aria-label="季度" value={view.period} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
          {[1, 2, 3, 4].map((q) => (
            <option key={q} value={`${year}-Q${q}`}>
              第{q}季度
            </option>
          ))}
        </select>
      ) : kind === 'month' ? (
        <select aria-label="月份" value={view.period} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
          {Array.from({ length: 12 }, (_, i) => `${year}-${String(i + 1).padStart(2, '0')}`).map((m, i) => (
            <option key={m} value={m}>
              {i + 1}月
            </option>
          ))}
        </select>
      ) : null}
    </span>
  );
}

function periodName(label: string): string {
  const toMonth = toMonthOf(label);
  if (toMonth !== null) return `${label.slice(0, 4)}年1–${toMonth}月累计`;
  const period = periodOf(label);
  if (period.kind === 'year') return `${period.year}年`;
  if (period.kind === 'quarter') return `${period.year}年第${period.quarter}季度`;
  return `${period.year}年${period.month}月`;
}

/** The year and month (1–12) of an instant in Asia/Shanghai. */
const shanghaiMonth = (at: Date) => localDate(at, TIME_ZONE);

function currentMonthOf(label: string): number {
  const toMonth = toMonthOf(label);
  if (toMonth !== null) return toMonth;
  const period = periodOf(label);
  if (period.kind === 'month') return period.month;
  if (period.kind === 'quarter') return (period.quarter - 1) * 3 + 1;
  const now = shanghaiMonth(new Date());
  return now.year === period.year ? now.month : 1;
}

const currentQuarterOf = (label: string): number => Math.ceil(currentMonthOf(label) / 3);

/** N of the 1–N月累计 a period leads to: its own, its month's, its quarter's last, this month in a running year, else 12. */
function yearToDateMonthOf(label: string): number {
  const period = periodOf(label);
  const toMonth = toMonthOf(label);
  if (toMonth !== null) return toMonth;
  if (period.kind === 'month') return period.month;
  if (period.kind === 'quarter') return period.quarter * 3;
  const now = shanghaiMonth(new Date());
  return now.year === period.year ? now.month : 12;
}

/** How many months of the year the trend draws: those begun by the board's date. */
function monthsThrough(year: number, at: Date): number {
  const local = shanghaiMonth(at);
  return local.year > year ? 12 : local.year < year ? 0 : local.month;
}

/** The month the monthly report opens on: the board's month when it is in the plan's year, else December. */
function defaultExportMonth(view: View, planYear: number): string {
  const toMonth = toMonthOf(view.period);
  if (toMonth !== null) return String(toMonth);
  const local = shanghaiMonth(view.date ? new Date(asOfOfDate(view.date)) : new Date());
  return String(local.year === Number(view.period.slice(0, 4)) || local.year === planYear ? local.month : 12);
}

function named(rows: readonly BreakdownRow[], names: Reference['channels']) {
  return rows.map((r) => ({ name: r.key === null ? '未填' : nameIn(names, r.key), count: r.signed.count, amountWan: r.signed.amountWan }));
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
