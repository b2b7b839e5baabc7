import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { SelectField, TextField, formatTime, formatWan } from '../form';
import { nameIn, unitsFor, type Reference, type SessionPerson } from '../session';
import { Pager } from '../pager';

export const STAGE_OPTIONS = [
  { code: 'lead', name: '线索' },
  { code: 'negotiating', name: '在谈' },
  { code: 'signed', name: '签约' },
  { code: 'started', name: '开工' },
  { code: 'dropped', name: '终止' },
];

interface ProjectRow {
  readonly projectId: string;
  readonly name: string;
  readonly stage: string;
  readonly unit: string;
  readonly investor: { readonly name: string };
  readonly plannedInvestmentWan: number;
  readonly signedAmountWan: number | null;
  readonly lastEventAt: string;
}

const PAGE_SIZE = 20;

/** Below this width the list shows cards and the filters fold behind 筛选 (app.css uses the same width). */
const NARROW = '(max-width: 700px)';

/** Whether the window is a phone's width, following rotations and resizes. */
function useNarrow(): boolean {
  const [narrow, setNarrow] = useState(() => matchMedia(NARROW).matches);
  useEffect(() => {
    const query = matchMedia(NARROW);
    const changed = () => setNarrow(query.matches);
    query.addEventListener('change', changed);
    return () => query.removeEventListener('change', changed);
  }, []);
  return narrow;
}

/** 项目库: the projects the person may see, the latest activity first, filtered and searched, in pages. */
export function ProjectsPage(props: { person: SessionPerson; reference: Reference }) {
  const { reference } = props;
  const [filters, setFilters] = useState({ unit: '', stage: '', channel: '', chain: '', stalledDays: '', q: '' });
  const [applied, setApplied] = useState(filters);
  const [pages, setPages] = useState<string[]>(['']);
  const [result, setResult] = useState<{ items: ProjectRow[]; nextCursor: string | null; total: number } | null>(null);
  const narrow = useNarrow();
  const [filtersOpen, setFiltersOpen] = useState(false);
  const set = (key: keyof typeof filters) => (value: string) => setFilters({ ...filters, [key]: value });

  const query = (cursor: string) => {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    for (const [key, value] of Object.entries(applied)) if (value.trim()) params.set(key, value.trim());
    if (cursor) params.set('cursor', cursor);
    return params;
  };
  const cursor = pages[pages.length - 1];
  useEffect(() => {
    setResult(null);
    void api<{ items: ProjectRow[]; nextCursor: string | null; total: number }>('GET', `/v1/projects?${query(cursor)}`).then(setResult);
  }, [applied, cursor]);

  return (
    <section>
      <h1>项目库</h1>
      <form
        class={`filters${narrow && !filtersOpen ? ' folded' : ''}`}
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setPages(['']);
          setApplied(filters);
          setFiltersOpen(false);
        }}
      >
        <TextField label="搜索" value={filters.q} onInput={set('q')} />
        {narrow && (
          <button
            type="button"
            class="secondary filters-toggle"
            aria-expanded={filtersOpen ? 'true' : 'false'}
            onClick={() => setFiltersOpen(!filtersOpen)}
          >
            筛选
          </button>
        )}
        {(!narrow || filtersOpen) && (
          <>
            <SelectField
              label="责任单位"
              value={filters.unit}
              options={unitsFor(props.person, reference)}
              onChange={set('unit')}
              placeholder="全部"
            />
            <SelectField label="阶段" value={filters.stage} options={STAGE_OPTIONS} onChange={set('stage')} placeholder="全部" />
            <SelectField
              label="招商方式"
              value={filters.channel}
              options={reference.channels}
              onChange={set('channel')}
              placeholder="全部"
            />
            <SelectField label="产业链" value={filters.chain} options={reference.chains} onChange={set('chain')} placeholder="全部" />
            <TextField label="停滞天数" type="number" value={filters.stalledDays} onInput={set('stalledDays')} />
          </>
        )}
        <button type="submit">查询</button>
        <a class="button secondary" href={`/v1/projects.xlsx?${query('')}`} download>
          导出
        </a>
      </form>
      {result && <p class="total">共 {result.total.toLocaleString('zh-CN')} 个项目</p>}
      {!result ? (
        <p class="loading">加载中…</p>
      ) : result.items.length === 0 ? (
        <p>没有符合条件的项目</p>
      ) : narrow ? (
        <ul class="project-cards" aria-label="项目">
          {result.items.map((p) => (
            <li key={p.projectId} class="project-card">
              <div class="card-head">
                <a href={`#/projects/${p.projectId}`}>{p.name}</a>
                <span class={`stage stage-${p.stage}`}>{nameIn(STAGE_OPTIONS, p.stage)}</span>
              </div>
              <div class="muted">{nameIn(reference.units, p.unit)}</div>
              <div>
                计划 {formatWan(p.plannedInvestmentWan)}
                {p.signedAmountWan !== null && <> · 签约 {formatWan(p.signedAmountWan)}</>}
              </div>
              <div class="muted">最近事件 {formatTime(p.lastEventAt)}</div>
            </li>
          ))}
        </ul>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>项目名称</th>
                <th>投资方</th>
                <th>责任单位</th>
                <th>阶段</th>
                <th>计划投资额</th>
                <th>签约额</th>
                <th>最近事件</th>
              </tr>
            </thead>
            <tbody>
              {result.items.map((p) => (
                <tr key={p.projectId}>
                  <td>
                    <a href={`#/projects/${p.projectId}`}>{p.name}</a>
                  </td>
                  <td>{p.investor.name}</td>
                  <td>{nameIn(reference.units, p.unit)}</td>
                  <td>{nameIn(STAGE_OPTIONS, p.stage)}</td>
                  <td>{formatWan(p.plannedInvestmentWan)}</td>
                  <td>{formatWan(p.signedAmountWan)}</td>
                  <td>{formatTime(p.lastEventAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager label="分页" pages={pages} nextCursor={result?.nextCursor} onPages={setPages} />
    </section>
  );
}
