import { useEffect, useState } from 'preact/hooks';
import { api, ApiFailure } from '../api';
import {
  SelectField,
  TextField,
  formatTime,
  formatWan,
  nowInShanghai,
  shanghaiTime,
  toFormFailure,
  type FormFailure,
  type Option,
} from '../form';
import { EVENT_NAMES, failureMessage } from '../messages';
import { nameIn, unitsFor, type Reference, type SessionPerson } from '../session';
import { STAGE_OPTIONS } from './projects';

interface Project {
  readonly projectId: string;
  readonly version: number;
  readonly name: string;
  readonly stage: string;
  readonly unit: string;
  readonly channels: readonly string[];
  readonly investor: { readonly name: string; readonly creditCode?: string; readonly originRegion: string };
  readonly industry: { readonly chain: string; readonly sector: string };
  readonly industrial: boolean;
  readonly plannedInvestmentWan: number;
  readonly signedAmountWan: number | null;
  readonly signedAt: string | null;
  readonly startedInvestmentWan: number | null;
  readonly startedAt: string | null;
  readonly leadAt: string;
}

interface HistoryEntry {
  readonly eventId: string;
  readonly type: string;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly actor: { readonly kind: string; readonly id: string };
  readonly actorName?: string | null;
  readonly data: Record<string, unknown>;
}

const FIELD_NAMES: Record<string, string> = {
  name: '项目名称',
  investor: '投资方',
  industry: '产业',
  industrial: '工业项目',
  channels: '招商方式',
  unit: '责任单位',
  plannedInvestmentWan: '计划投资额(万元)',
  signedAmountWan: '签约额(万元)',
  startedInvestmentWan: '开工投资额(万元)',
  signedAt: '签约时间',
  startedAt: '开工时间',
};

type Action = 'visit' | 'fund' | 'sign' | 'start' | 'correct' | 'drop';

/** The actions the lifecycle allows at a stage (contract §2): the others are not offered. */
function allowedActions(stage: string): Action[] {
  if (stage === 'dropped') return [];
  if (stage === 'started') return ['visit', 'fund', 'correct'];
  if (stage === 'signed') return ['visit', 'fund', 'start', 'correct'];
  return ['visit', 'fund', 'sign', 'correct', 'drop'];
}

const ACTION_NAMES: Record<Action, string> = {
  visit: '记录走访',
  fund: '基金投资',
  sign: '签约',
  start: '开工',
  correct: '更正',
  drop: '终止',
};

const show = (value: unknown, reference: Reference): string => {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return value ? '是' : '否';
  if (Array.isArray(value)) return value.map((c) => nameIn(reference.channels, String(c))).join('、');
  if (typeof value === 'object')
    return Object.values(value as Record<string, unknown>)
      .map((v) => show(v, reference))
      .join(' / ');
  if (typeof value === 'number') return value.toLocaleString('zh-CN');
  if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT/.test(value)) return formatTime(value);
  return reference.units.find((u) => u.code === value)?.name ?? reference.chains.find((c) => c.code === value)?.name ?? String(value);
};

/** 项目详情: the state, the 时间线 and the lifecycle actions. */
export function ProjectPage(props: { id: string; person: SessionPerson; reference: Reference }) {
  const { reference } = props;
  const [project, setProject] = useState<Project | null>(null);
  const [history, setHistory] = useState<readonly HistoryEntry[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [action, setAction] = useState<Action | null>(null);

  const load = async () => {
    try {
      setProject(await api<Project>('GET', `/v1/projects/${props.id}`));
      setHistory(await api<HistoryEntry[]>('GET', `/v1/projects/${props.id}/history`));
    } catch (error) {
      setProblem(error instanceof ApiFailure ? failureMessage(error) : '网络错误');
    }
  };
  useEffect(() => {
    void load();
  }, [props.id]);

  if (problem) return <p role="alert">{problem}</p>;
  if (!project) return <p class="loading">加载中…</p>;
  const canWrite = props.person.role !== 'reader';

  // A correction's "from → to": the value before it, from the events before it.
  const before = (index: number, field: string): unknown => {
    let value: unknown;
    for (const entry of history.slice(0, index)) {
      const data = entry.type === 'ProjectCorrected' ? ((entry.data.changes ?? {}) as Record<string, unknown>) : entry.data;
      if (field in data) value = data[field];
      if (entry.type === 'ProjectSigned' && field === 'signedAt') value = entry.occurredAt;
      if (entry.type === 'ProjectStarted' && field === 'startedAt') value = entry.occurredAt;
      if (entry.type === 'ProjectSigned' && field === 'signedAmountWan') value = entry.data.signedAmountWan;
      if (entry.type === 'ProjectStarted' && field === 'startedInvestmentWan') value = entry.data.startedInvestmentWan;
    }
    return value;
  };

  return (
    <section>
      <h1>{project.name}</h1>
      <dl class="facts">
        <dt>阶段</dt>
        <dd>{nameIn(STAGE_OPTIONS, project.stage)}</dd>
        <dt>投资方</dt>
        <dd>
          {project.investor.name}
          {project.investor.creditCode ? `（${project.investor.creditCode}）` : ''}，
          {nameIn(reference.regions, project.investor.originRegion)}
        </dd>
        <dt>责任单位</dt>
        <dd>{nameIn(reference.units, project.unit)}</dd>
        <dt>产业</dt>
        <dd>
          {nameIn(reference.chains, project.industry.chain)}，{nameIn(reference.sectors, project.industry.sector)}
          {project.industrial ? '，工业项目' : ''}
        </dd>
        <dt>招商方式</dt>
        <dd>{project.channels.map((c) => nameIn(reference.channels, c)).join('、')}</dd>
        <dt>计划投资额</dt>
        <dd>{formatWan(project.plannedInvestmentWan)}</dd>
        <dt>签约</dt>
        <dd>{project.signedAt ? `${formatWan(project.signedAmountWan)}，${formatTime(project.signedAt)}` : '—'}</dd>
        <dt>开工</dt>
        <dd>{project.startedAt ? `${formatWan(project.startedInvestmentWan)}，${formatTime(project.startedAt)}` : '—'}</dd>
      </dl>
      {canWrite && (
        <div class="actions">
          {allowedActions(project.stage).map((a) => (
            <button key={a} type="button" class={action === a ? '' : 'secondary'} onClick={() => setAction(action === a ? null : a)}>
              {ACTION_NAMES[a]}
            </button>
          ))}
        </div>
      )}
      {action && (
        <ActionForm
          action={action}
          project={project}
          units={unitsFor(props.person, reference)}
          reference={reference}
          onDone={async () => {
            setAction(null);
            await load();
          }}
        />
      )}
      <h2>时间线</h2>
      <ol class="timeline">
        {history.map((entry, index) => (
          <li key={entry.eventId}>
            <div class="what">{EVENT_NAMES[entry.type] ?? entry.type}</div>
            <div class="when">
              发生 {formatTime(entry.occurredAt)} · 记录 {formatTime(entry.recordedAt)} · {entry.actorName ?? entry.actor.id}
            </div>
            {entry.type === 'ProjectCorrected' && (
              <ul class="changes">
                {Object.entries((entry.data.changes ?? {}) as Record<string, unknown>).map(([field, value]) => (
                  <li key={field}>
                    {FIELD_NAMES[field] ?? field}：{show(before(index, field), reference)} → {show(value, reference)}
                  </li>
                ))}
                <li>原因：{String(entry.data.reason ?? '')}</li>
              </ul>
            )}
            {entry.type === 'VisitRecorded' && (
              <div>
                {entry.data.direction === 'inbound' ? '来访' : '外出拜访'}
                {entry.data.note ? <p class="note">{String(entry.data.note)}</p> : null}
              </div>
            )}
            {entry.type === 'ProjectSigned' && <div>签约额 {formatWan(entry.data.signedAmountWan as number)}</div>}
            {entry.type === 'ProjectStarted' && <div>开工投资额 {formatWan(entry.data.startedInvestmentWan as number)}</div>}
            {entry.type === 'FundInvestmentMade' && (
              <div>
                {nameIn(reference.funds, entry.data.fund as string)} {formatWan(entry.data.amountWan as number)}
              </div>
            )}
            {entry.type === 'ProjectDropped' && <div>原因：{String(entry.data.reason ?? '')}</div>}
          </li>
        ))}
      </ol>
    </section>
  );
}

/** The form of one action; 保存 sends its command, a refusal shows each field's error beside it. */
function ActionForm(props: {
  action: Action;
  project: Project;
  /** The units the person may move the project to. */
  units: readonly Option[];
  reference: Reference;
  onDone: () => Promise<void>;
}) {
  const { action, project, reference } = props;
  const [values, setValues] = useState<Record<string, string>>({ occurredAt: nowInShanghai(), direction: 'inbound' });
  const [failure, setFailure] = useState<FormFailure | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (key: string) => (value: string) => setValues({ ...values, [key]: value });
  const err = (field: string) => failure?.fields[field];
  const amount = (key: string) => (values[key]?.trim() ? Number(values[key]) : null);
  const occurredAt = shanghaiTime(values.occurredAt ?? '');

  const command = (): [string, Record<string, unknown>] => {
    const base = `/v1/projects/${project.projectId}`;
    switch (action) {
      case 'visit':
        return [`${base}/visits`, { direction: values.direction, ...(values.note?.trim() ? { note: values.note } : {}), occurredAt }];
      case 'fund':
        return [`${base}/fund-investments`, { fund: values.fund ?? '', amountWan: amount('amountWan'), occurredAt }];
      case 'sign':
        return [`${base}/signing`, { signedAmountWan: amount('signedAmountWan'), occurredAt }];
      case 'start':
        return [`${base}/start`, { startedInvestmentWan: amount('startedInvestmentWan'), occurredAt }];
      case 'drop':
        return [`${base}/drop`, { reason: values.reason ?? '', occurredAt }];
      case 'correct': {
        const changes: Record<string, unknown> = {};
        if (values.name?.trim()) changes.name = values.name;
        if (values.unit) changes.unit = values.unit;
        if (values.plannedInvestmentWan?.trim()) changes.plannedInvestmentWan = amount('plannedInvestmentWan');
        if (values.signedAmountWan?.trim()) changes.signedAmountWan = amount('signedAmountWan');
        if (values.startedInvestmentWan?.trim()) changes.startedInvestmentWan = amount('startedInvestmentWan');
        return [`${base}/corrections`, { changes, reason: values.reason ?? '', occurredAt }];
      }
    }
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const [path, body] = command();
      await api('POST', path, body);
      setFailure(null);
      await props.onDone();
    } catch (error) {
      setFailure(toFormFailure(error));
    } finally {
      setBusy(false);
    }
  };

  const changesError = err('changes');
  const changeError = (field: string) => err(`changes.${field}`);
  return (
    <form class="action-form" onSubmit={submit} aria-label={ACTION_NAMES[action]}>
      <h3>{ACTION_NAMES[action]}</h3>
      {failure && (
        <p class="form-error" role="alert">
          {failure.message}
        </p>
      )}
      {action === 'visit' && (
        <>
          <SelectField
            label="走访方向"
            required
            value={values.direction ?? ''}
            options={[
              { code: 'inbound', name: '来访' },
              { code: 'outbound', name: '外出拜访' },
            ]}
            onChange={set('direction')}
            error={err('direction')}
          />
          <TextField label="走访记录" multiline value={values.note ?? ''} onInput={set('note')} error={err('note')} />
        </>
      )}
      {action === 'fund' && (
        <>
          <SelectField
            label="基金"
            required
            value={values.fund ?? ''}
            options={reference.funds}
            onChange={set('fund')}
            error={err('fund')}
          />
          <TextField
            label="投资额(万元)"
            required
            type="number"
            value={values.amountWan ?? ''}
            onInput={set('amountWan')}
            error={err('amountWan')}
          />
        </>
      )}
      {action === 'sign' && (
        <TextField
          label="签约额(万元)"
          required
          type="number"
          value={values.signedAmountWan ?? ''}
          onInput={set('signedAmountWan')}
          error={err('signedAmountWan')}
        />
      )}
      {action === 'start' && (
        <TextField
          label="开工投资额(万元)"
          required
          type="number"
          value={values.startedInvestmentWan ?? ''}
          onInput={set('startedInvestmentWan')}
          error={err('startedInvestmentWan')}
        />
      )}
      {action === 'correct' && (
        <>
          {changesError && (
            <p class="error" role="alert">
              请至少更正一项
            </p>
          )}
          <TextField label="项目名称" value={values.name ?? ''} onInput={set('name')} error={changeError('name')} />
          <SelectField
            label="责任单位"
            value={values.unit ?? ''}
            options={props.units}
            onChange={set('unit')}
            error={changeError('unit')}
            placeholder="不变"
          />
          <TextField
            label="计划投资额(万元)"
            type="number"
            value={values.plannedInvestmentWan ?? ''}
            onInput={set('plannedInvestmentWan')}
            error={changeError('plannedInvestmentWan')}
          />
          {project.signedAt && (
            <TextField
              label="签约额(万元)"
              type="number"
              value={values.signedAmountWan ?? ''}
              onInput={set('signedAmountWan')}
              error={changeError('signedAmountWan')}
            />
          )}
          {project.startedAt && (
            <TextField
              label="开工投资额(万元)"
              type="number"
              value={values.startedInvestmentWan ?? ''}
              onInput={set('startedInvestmentWan')}
              error={changeError('startedInvestmentWan')}
            />
          )}
        </>
      )}
      {(action === 'correct' || action === 'drop') && (
        <TextField label="原因" required multiline value={values.reason ?? ''} onInput={set('reason')} error={err('reason')} />
      )}
      <TextField
        label="发生时间"
        required
        type="datetime-local"
        value={values.occurredAt ?? ''}
        onInput={set('occurredAt')}
        error={err('occurredAt')}
      />
      <button type="submit" disabled={busy}>
        保存
      </button>
    </form>
  );
}
