import { useEffect, useState } from 'preact/hooks';
import type { QualityFlag } from '../../../../libs/domain/src/quality/quality';
import { api } from '../api';
import { SelectField, formatTime } from '../form';
import { EVENT_NAMES } from '../messages';
import { nameIn, type Reference } from '../session';

/** A flag as the read API answers it. */
type Flag = Omit<QualityFlag, 'position'>;

/** The rules of contract §9 as the bureau names them. */
export const RULE_NAMES: Readonly<Record<string, string>> = {
  late_entry_closed_period: '关账后补录',
  amount_raised_after_signing: '签约后调增金额',
  quarter_end_signing_reversed: '季末签约事后撤回',
  duplicate_claim: '重复统计',
};

const RULE_OPTIONS = Object.entries(RULE_NAMES).map(([code, name]) => ({ code, name }));

/** Up to this many flags are read for one view (10 pages of 500). */
const MAX_PAGES = 10;

/** Every flag of a filter, page after page. */
export async function allFlags(query: URLSearchParams): Promise<Flag[]> {
  const flags: Flag[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const params = new URLSearchParams(query);
    params.set('limit', '500');
    if (cursor) params.set('cursor', cursor);
    const answer: { items: Flag[]; nextCursor: string | null } = await api('GET', `/v1/quality/flags?${params}`);
    flags.push(...answer.items);
    cursor = answer.nextCursor;
    if (!cursor) break;
  }
  return flags;
}

/** 数据质量: the flags the log raises, by unit, each with its projects and the events that raised it. */
export function QualityPage(props: { route: string; reference: Reference }) {
  const { reference } = props;
  const initial = new URLSearchParams(props.route.split('?')[1] ?? '');
  const [filters, setFilters] = useState({
    rule: initial.get('rule') ?? '',
    unit: initial.get('unit') ?? '',
    period: initial.get('period') ?? String(reference.planYear),
  });
  const [flags, setFlags] = useState<Flag[] | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [names, setNames] = useState<Map<string, string>>(new Map());

  useEffect(() => {
    setFlags(null);
    setFailure(null);
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(filters)) if (value) query.set(key, value);
    allFlags(query).then(
      async (found) => {
        setFlags(found);
        const ids = [...new Set(found.flatMap((f) => f.projectIds))].slice(0, 200);
        const projects = await Promise.all(
          ids.map((id) => api<{ projectId: string; name: string }>('GET', `/v1/projects/${id}`).catch(() => null)),
        );
        setNames(new Map(projects.filter((p) => p !== null).map((p) => [p!.projectId, p!.name])));
      },
      (error: Error) => setFailure(error.message),
    );
  }, [filters.rule, filters.unit, filters.period]);

  const byUnit = new Map<string, Flag[]>();
  for (const flag of flags ?? []) for (const unit of flag.units) byUnit.set(unit, [...(byUnit.get(unit) ?? []), flag]);
  const units = [...byUnit.keys()].sort((a, b) => byUnit.get(b)!.length - byUnit.get(a)!.length || (a < b ? -1 : 1));

  return (
    <section class="quality">
      <h1>数据质量</h1>
      <p class="muted">
        由事件日志自动识别：关账后补录、签约后调增金额（≥ 首次签约额的 120%）、季末签约事后撤回（季末 10
        天内的签约被移出本季或削减至一半以下）、重复统计（同一投资方同一产业链同年在两个以上单位签约）。
      </p>
      <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <SelectField
          label="规则"
          placeholder="全部"
          value={filters.rule}
          options={RULE_OPTIONS}
          onChange={(rule) => setFilters({ ...filters, rule })}
        />
        <SelectField
          label="单位"
          placeholder="全部"
          value={filters.unit}
          options={reference.units}
          onChange={(unit) => setFilters({ ...filters, unit })}
        />
        <SelectField
          label="期间"
          placeholder="全部"
          value={filters.period}
          options={periodOptions(reference.planYear)}
          onChange={(period) => setFilters({ ...filters, period })}
        />
      </form>
      {failure ? (
        <p role="alert" class="error">
          加载失败：{failure}
        </p>
      ) : flags === null ? (
        <p class="loading">加载中…</p>
      ) : flags.length === 0 ? (
        <p class="notice">没有数据质量问题。</p>
      ) : (
        units.map((unit) => (
          <section key={unit} class="quality-unit" data-unit={unit}>
            <h2>
              {nameIn(reference.units, unit)} <span class="count">{byUnit.get(unit)!.length} 条</span>
            </h2>
            <ul class="flags">
              {byUnit.get(unit)!.map((flag) => (
                <li key={flag.id} data-rule={flag.rule}>
                  <strong>{RULE_NAMES[flag.rule] ?? flag.rule}</strong>
                  <span class="muted"> {periodName(flag.period)}</span>
                  {flag.units.length > 1 ? (
                    <span class="muted"> · 涉及 {flag.units.map((u) => nameIn(reference.units, u)).join('、')}</span>
                  ) : null}
                  <div class="flag-links">
                    {flag.projectIds.map((id) => (
                      <a key={id} href={`#/projects/${id}`}>
                        {names.get(id) ?? `项目 ${id.slice(0, 8)}`}
                      </a>
                    ))}
                  </div>
                  <div class="muted flag-detail">{describe(flag, reference)}</div>
                </li>
              ))}
            </ul>
          </section>
        ))
      )}
    </section>
  );
}

/** A period label in Chinese: 2025年, 2025年第1季度, 2025年3月. */
function periodName(label: string): string {
  const [year, part] = label.split('-');
  if (!part) return `${year}年`;
  return part.startsWith('Q') ? `${year}年第${part.slice(1)}季度` : `${year}年${Number(part)}月`;
}

/** The year and its quarters. */
function periodOptions(year: number) {
  return [String(year), ...[1, 2, 3, 4].map((q) => `${year}-Q${q}`)].map((code) => ({
    code,
    name: periodName(code),
  }));
}

/** The evidence in words (the events themselves are in each project's 时间线). */
function describe(flag: Flag, reference: Reference): string {
  const d = flag.detail;
  const wan = (n: unknown) => Number(n).toLocaleString('zh-CN');
  switch (flag.rule) {
    case 'amount_raised_after_signing':
      return `首次签约 ${wan(d.firstSignedWan)} 万元，更正为 ${wan(d.correctedToWan)} 万元（${d.pct}%）`;
    case 'quarter_end_signing_reversed': {
      const [before, after] = d.signedAt as [string, string];
      const [was, now] = d.signedAmountWan as [number, number];
      return `签约时间 ${formatTime(before)} → ${formatTime(after)}，签约额 ${wan(was)} → ${wan(now)} 万元`;
    }
    case 'duplicate_claim':
      return `同一投资方、同一产业链（${nameIn(reference.chains, String(d.chain))}），${flag.eventIds.length} 次签约`;
    default: {
      const what = `补录「${EVENT_NAMES[String(d.type)] ?? '事件'}」`;
      if (Array.isArray(d.signedAt)) return `${what}：签约时间 ${formatTime(String(d.signedAt[0]))} → ${formatTime(String(d.signedAt[1]))}`;
      return d.occurredAt ? `${what}，发生于 ${formatTime(String(d.occurredAt))}` : what;
    }
  }
}
