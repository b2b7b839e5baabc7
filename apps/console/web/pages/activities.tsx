import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { SelectField, TextField, formatTime, nowInShanghai, shanghaiTime, toFormFailure, type FormFailure } from '../form';
import { nameIn, unitsFor, type Reference, type SessionPerson } from '../session';

interface Activity {
  readonly activityId: string;
  readonly kind: string;
  readonly title: string;
  readonly region: string;
  readonly unit: string;
  readonly occurredAt: string;
}

const KIND_OPTIONS = [
  { code: 'outbound', name: '外出招商' },
  { code: 'inbound', name: '来访接待' },
  { code: 'conference', name: '推介会/会议' },
];

/** 招商活动: the activities the person may see, newest first, and a form to record one. */
export function ActivitiesPage(props: { person: SessionPerson; reference: Reference }) {
  const { reference } = props;
  const units = unitsFor(props.person, reference);
  const [list, setList] = useState<readonly Activity[] | null>(null);
  const [form, setForm] = useState({
    title: '',
    kind: '',
    region: '',
    unit: units.length === 1 ? units[0].code : '',
    occurredAt: nowInShanghai(),
  });
  const [failure, setFailure] = useState<FormFailure | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const set = (key: keyof typeof form) => (value: string) => setForm({ ...form, [key]: value });
  const err = (field: string) => failure?.fields[field];

  const load = async () => setList((await api<{ items: Activity[] }>('GET', '/v1/activities?limit=100')).items);
  useEffect(() => {
    void load();
  }, []);

  const save = async (event: Event) => {
    event.preventDefault();
    setNotice(null);
    try {
      await api('POST', '/v1/activities', { ...form, occurredAt: shanghaiTime(form.occurredAt) });
      setFailure(null);
      setForm({ ...form, title: '' });
      setNotice('活动已记录');
      await load();
    } catch (error) {
      setFailure(toFormFailure(error));
    }
  };

  return (
    <section>
      <h1>招商活动</h1>
      {props.person.role !== 'reader' && (
        <form onSubmit={save} aria-label="记录招商活动">
          {failure && (
            <p class="form-error" role="alert">
              {failure.message}
            </p>
          )}
          {notice && (
            <p class="notice" role="status">
              {notice}
            </p>
          )}
          <div class="grid">
            <TextField label="活动名称" required value={form.title} onInput={set('title')} error={err('title')} />
            <SelectField label="活动类型" required value={form.kind} options={KIND_OPTIONS} onChange={set('kind')} error={err('kind')} />
            <SelectField
              label="地区"
              required
              value={form.region}
              options={reference.regions}
              onChange={set('region')}
              error={err('region')}
            />
            <SelectField label="责任单位" required value={form.unit} options={units} onChange={set('unit')} error={err('unit')} />
            <TextField
              label="发生时间"
              required
              type="datetime-local"
              value={form.occurredAt}
              onInput={set('occurredAt')}
              error={err('occurredAt')}
            />
          </div>
          <button type="submit">保存</button>
        </form>
      )}
      {!list ? (
        <p class="loading">加载中…</p>
      ) : list.length === 0 ? (
        <p>还没有招商活动</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>活动名称</th>
                <th>活动类型</th>
                <th>地区</th>
                <th>责任单位</th>
                <th>发生时间</th>
              </tr>
            </thead>
            <tbody>
              {list.map((a) => (
                <tr key={a.activityId}>
                  <td>{a.title}</td>
                  <td>{nameIn(KIND_OPTIONS, a.kind)}</td>
                  <td>{nameIn(reference.regions, a.region)}</td>
                  <td>{nameIn(reference.units, a.unit)}</td>
                  <td>{formatTime(a.occurredAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
