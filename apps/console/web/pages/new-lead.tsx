import { useState } from 'preact/hooks';
import { api } from '../api';
import {
  CheckboxField,
  CheckboxesField,
  SelectField,
  TextField,
  listError,
  nowInShanghai,
  shanghaiTime,
  toFormFailure,
  type FormFailure,
} from '../form';
import { nameIn, unitsFor, type Reference, type SessionPerson } from '../session';

/** A matching project: another unit's project the person may not see comes with its unit only. */
interface Duplicate {
  readonly projectId?: string;
  readonly name?: string;
  readonly unit: string;
}

/** How long the duplicate check may take before the lead is saved without it. */
const CHECK_TIMEOUT_MS = 4000;

/**
 * The investor's live projects in other units (contract §7), or none when the check fails or
 * is slow: the warning helps, it never stands between a person and their save.
 */
async function likelyDuplicates(investorName: string, creditCode: string, unit: string): Promise<readonly Duplicate[]> {
  const params = new URLSearchParams({ investorName, unit });
  if (creditCode) params.set('creditCode', creditCode);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), CHECK_TIMEOUT_MS);
  try {
    const { projects } = await api<{ projects: Duplicate[] }>('GET', `/v1/investor-projects?${params}`, undefined, abort.signal);
    // Several hidden projects of one unit are one line of the warning.
    return projects.filter((d, i) => d.projectId || projects.findIndex((o) => !o.projectId && o.unit === d.unit) === i);
  } catch {
    return [];
  } finally {
    clearTimeout(timer);
  }
}

/** 新建线索: RegisterLead, with the warning when the investor already has a project in another unit. */
export function NewLeadPage(props: { person: SessionPerson; reference: Reference }) {
  const { reference } = props;
  const units = unitsFor(props.person, reference);
  const [form, setForm] = useState({
    name: '',
    investorName: '',
    creditCode: '',
    originRegion: '',
    chain: '',
    sector: '',
    industrial: false,
    channels: [] as string[],
    unit: units.length === 1 ? units[0].code : '',
    plannedInvestmentWan: '',
    occurredAt: nowInShanghai(),
  });
  const [failure, setFailure] = useState<FormFailure | null>(null);
  const [duplicates, setDuplicates] = useState<readonly Duplicate[] | null>(null);
  const [busy, setBusy] = useState(false);
  const set =
    <K extends keyof typeof form>(key: K) =>
    (value: (typeof form)[K]) =>
      setForm({ ...form, [key]: value });
  const err = (field: string) => failure?.fields[field];

  const body = () => ({
    name: form.name,
    investor: {
      name: form.investorName,
      ...(form.creditCode.trim() ? { creditCode: form.creditCode.trim() } : {}),
      originRegion: form.originRegion,
    },
    industry: { chain: form.chain, sector: form.sector },
    industrial: form.industrial,
    channels: form.channels,
    unit: form.unit,
    plannedInvestmentWan: form.plannedInvestmentWan.trim() === '' ? null : Number(form.plannedInvestmentWan),
    occurredAt: shanghaiTime(form.occurredAt),
  });

  const save = async (confirmed: boolean) => {
    setBusy(true);
    setFailure(null);
    try {
      if (!confirmed && form.investorName.trim() && form.unit) {
        const found = await likelyDuplicates(form.investorName, form.creditCode.trim(), form.unit);
        if (found.length > 0) {
          setDuplicates(found);
          return;
        }
      }
      const created = await api<{ projectId: string }>('POST', '/v1/projects', body());
      location.hash = `#/projects/${created.projectId}`;
    } catch (error) {
      setDuplicates(null);
      setFailure(toFormFailure(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <h1>新建线索</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save(false);
        }}
      >
        {failure && (
          <p class="form-error" role="alert">
            {failure.message}
          </p>
        )}
        <div class="grid">
          <TextField label="项目名称" required value={form.name} onInput={set('name')} error={err('name')} />
          <TextField
            label="投资方名称"
            required
            value={form.investorName}
            onInput={set('investorName')}
            error={err('investor.name') ?? err('investor')}
          />
          <TextField label="统一社会信用代码" value={form.creditCode} onInput={set('creditCode')} error={err('investor.creditCode')} />
          <SelectField
            label="投资方来源地区"
            required
            value={form.originRegion}
            options={reference.regions}
            onChange={set('originRegion')}
            error={err('investor.originRegion')}
          />
          <SelectField
            label="产业链"
            required
            value={form.chain}
            options={reference.chains}
            onChange={set('chain')}
            error={err('industry.chain') ?? err('industry')}
          />
          <SelectField
            label="产业类别"
            required
            value={form.sector}
            options={reference.sectors}
            onChange={set('sector')}
            error={err('industry.sector')}
          />
          <SelectField label="责任单位" required value={form.unit} options={units} onChange={set('unit')} error={err('unit')} />
          <TextField
            label="计划投资额(万元)"
            required
            type="number"
            value={form.plannedInvestmentWan}
            onInput={set('plannedInvestmentWan')}
            error={err('plannedInvestmentWan')}
          />
          <TextField
            label="发生时间"
            required
            type="datetime-local"
            value={form.occurredAt}
            onInput={set('occurredAt')}
            error={err('occurredAt')}
          />
          <CheckboxField label="工业项目" checked={form.industrial} onChange={set('industrial')} />
        </div>
        <CheckboxesField
          label="招商方式"
          required
          value={form.channels}
          options={reference.channels}
          onChange={set('channels')}
          error={listError(failure, 'channels')}
        />
        {duplicates && (
          <div class="warning" role="alert">
            <p>可能重复统计：该投资方在其他责任单位已有项目——</p>
            <ul>
              {duplicates.map((d) =>
                d.projectId ? (
                  <li key={d.projectId}>
                    <a href={`#/projects/${d.projectId}`}>{d.name}</a>（{nameIn(reference.units, d.unit)}）
                  </li>
                ) : (
                  <li key={d.unit}>{nameIn(reference.units, d.unit)}已有该投资方的项目</li>
                ),
              )}
            </ul>
            <button type="button" disabled={busy} onClick={() => void save(true)}>
              仍然保存
            </button>
          </div>
        )}
        <button type="submit" disabled={busy}>
          保存
        </button>
      </form>
    </section>
  );
}
