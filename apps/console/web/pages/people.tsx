import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { CheckboxesField, SelectField, TextField, formatTime, listError, shanghaiTime, toFormFailure, type FormFailure } from '../form';
import { nameIn, type Reference } from '../session';
import { Pager } from '../pager';

interface Account {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly role: string;
  readonly units: readonly string[] | null;
  readonly disabled: boolean;
  readonly locked: boolean;
  readonly createdAt: string;
}

interface AuditEntry {
  readonly id: string;
  readonly at: string;
  readonly actor: string | null;
  readonly action: string;
  readonly subject: string | null;
  readonly address: string | null;
}

const ROLE_OPTIONS = [
  { code: 'admin', name: '管理员' },
  { code: 'writer', name: '录入员' },
  { code: 'reader', name: '查看员' },
];

const ACTION_NAMES: Record<string, string> = {
  login: '登录',
  login_failed: '登录失败',
  login_locked: '登录被锁定',
  login_rate_limited: '登录过于频繁',
  logout: '退出',
  create_person: '创建账号',
  disable_person: '停用账号',
  enable_person: '启用账号',
  reset_password: '重置密码',
  change_password: '修改密码',
  change_password_failed: '修改密码失败',
  change_password_locked: '修改密码被锁定',
  change_password_rate_limited: '修改密码过于频繁',
  unlock: '解除锁定',
};
const KIND_OPTIONS = Object.entries(ACTION_NAMES).map(([code, name]) => ({ code, name }));

const AUDIT_PAGE_SIZE = 50;
const PASSWORD_HINT = '密码须为 10–200 个字符，至少含 4 个不同字符，且不得包含用户名';
const NO_FILTERS = { kind: '', person: '', from: '', to: '' };

/** 日志: the record of logins and admin actions, filtered by kind, person and time, newest first, in pages. */
function AuditLog(props: { version: number }) {
  const [filters, setFilters] = useState(NO_FILTERS);
  const [applied, setApplied] = useState(NO_FILTERS);
  const [pages, setPages] = useState<string[]>(['']);
  const [result, setResult] = useState<{ items: AuditEntry[]; nextCursor: string | null } | null>(null);
  const [failure, setFailure] = useState<FormFailure | null>(null);
  const set = (key: keyof typeof filters) => (value: string) => setFilters({ ...filters, [key]: value });
  const cursor = pages[pages.length - 1];

  useEffect(() => {
    const params = new URLSearchParams({ limit: String(AUDIT_PAGE_SIZE) });
    if (applied.kind) params.set('kind', applied.kind);
    if (applied.person.trim()) params.set('person', applied.person.trim());
    if (applied.from) params.set('from', shanghaiTime(applied.from));
    if (applied.to) params.set('to', shanghaiTime(applied.to));
    if (cursor) params.set('cursor', cursor);
    // The page shown stays until the next one is here: a change elsewhere on the page reloads it without a blink.
    api<{ items: AuditEntry[]; nextCursor: string | null }>('GET', `/v1/people/audit?${params}`).then(
      (page) => (setFailure(null), setResult(page)),
      (error) => (setFailure(toFormFailure(error)), setResult({ items: [], nextCursor: null })),
    );
  }, [applied, cursor, props.version]);

  return (
    <>
      <h2>日志</h2>
      <form
        class="filters"
        role="search"
        aria-label="日志筛选"
        onSubmit={(e) => {
          e.preventDefault();
          setPages(['']);
          setApplied(filters);
        }}
      >
        <SelectField label="类型" value={filters.kind} options={KIND_OPTIONS} onChange={set('kind')} placeholder="全部" />
        <TextField label="人员（用户名）" value={filters.person} onInput={set('person')} error={failure?.fields.person} />
        <TextField label="起始时间" type="datetime-local" value={filters.from} onInput={set('from')} error={failure?.fields.from} />
        <TextField label="截止时间" type="datetime-local" value={filters.to} onInput={set('to')} error={failure?.fields.to} />
        <button type="submit">查询</button>
      </form>
      {!result ? (
        <p class="loading">加载中…</p>
      ) : result.items.length === 0 ? (
        <p>没有符合条件的记录</p>
      ) : (
        <div class="table-wrap">
          <table aria-label="日志">
            <thead>
              <tr>
                <th>时间</th>
                <th>操作人</th>
                <th>操作</th>
                <th>对象</th>
                <th>地址</th>
              </tr>
            </thead>
            <tbody>
              {result.items.map((e) => (
                <tr key={e.id}>
                  <td>{formatTime(e.at)}</td>
                  <td>{e.actor ?? '—'}</td>
                  <td>{ACTION_NAMES[e.action] ?? e.action}</td>
                  <td>{e.subject ?? '—'}</td>
                  <td>{e.address ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager label="日志分页" pages={pages} nextCursor={result?.nextCursor} onPages={setPages} />
    </>
  );
}

/** 用户管理: accounts, their roles and units, unlock and reset, and the record of logins and admin actions (日志). */
export function PeoplePage(props: { reference: Reference }) {
  const { reference } = props;
  const [accounts, setAccounts] = useState<readonly Account[]>([]);
  // Bumped after each change, so that 日志 shows it.
  const [version, setVersion] = useState(0);
  const [resetting, setResetting] = useState<{ account: Account; password: string; failure: FormFailure | null } | null>(null);
  const [form, setForm] = useState({ username: '', displayName: '', role: 'writer', units: [] as string[], password: '' });
  const [failure, setFailure] = useState<FormFailure | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const set =
    <K extends keyof typeof form>(key: K) =>
    (value: (typeof form)[K]) =>
      setForm({ ...form, [key]: value });
  const err = (field: string) => failure?.fields[field];

  const load = async () => {
    setAccounts(await api<Account[]>('GET', '/v1/people'));
    setVersion((v) => v + 1);
  };
  useEffect(() => {
    void load();
  }, []);

  const act = async (what: string, run: () => Promise<unknown>) => {
    setNotice(null);
    try {
      await run();
      setNotice(what);
      await load();
    } catch (error) {
      setNotice(toFormFailure(error).message);
    }
  };

  const reset = async (event: Event) => {
    event.preventDefault();
    if (!resetting) return;
    try {
      await api('PUT', `/v1/people/${resetting.account.id}/password`, { password: resetting.password });
      setResetting(null);
      setNotice('密码已重置');
      await load();
    } catch (error) {
      setResetting({ ...resetting, failure: toFormFailure(error) });
    }
  };

  const create = async (event: Event) => {
    event.preventDefault();
    try {
      await api('POST', '/v1/people', { ...form, units: form.role !== 'admin' && form.units.length > 0 ? form.units : undefined });
      setFailure(null);
      setForm({ username: '', displayName: '', role: 'writer', units: [], password: '' });
      setNotice('账号已创建');
      await load();
    } catch (error) {
      setFailure(toFormFailure(error));
    }
  };

  return (
    <section>
      <h1>用户管理</h1>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>用户名</th>
              <th>姓名</th>
              <th>角色</th>
              <th>责任单位</th>
              <th>状态</th>
              <th>操作</th>
            </tr>
          </thead>
          <tbody>
            {accounts.map((a) => (
              <tr key={a.id}>
                <td>{a.username}</td>
                <td>{a.displayName}</td>
                <td>{nameIn(ROLE_OPTIONS, a.role)}</td>
                <td>{a.units ? a.units.map((u) => nameIn(reference.units, u)).join('、') : '全部'}</td>
                <td>{a.disabled ? '已停用' : a.locked ? '已锁定' : '正常'}</td>
                <td class="row-actions">
                  <button
                    type="button"
                    class="secondary"
                    onClick={() =>
                      act(a.disabled ? '已启用' : '已停用', () => api('POST', `/v1/people/${a.id}/${a.disabled ? 'enable' : 'disable'}`))
                    }
                  >
                    {a.disabled ? '启用' : '停用'}
                  </button>
                  {a.locked && (
                    <button
                      type="button"
                      class="secondary"
                      onClick={() => act('已解除锁定', () => api('POST', '/v1/people/unlock', { username: a.username }))}
                    >
                      解除锁定
                    </button>
                  )}
                  <button
                    type="button"
                    class="secondary"
                    onClick={() => (setNotice(null), setResetting({ account: a, password: '', failure: null }))}
                  >
                    重置密码
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      {resetting && (
        <form onSubmit={reset} aria-labelledby="reset-title">
          <h2 id="reset-title">重置 {resetting.account.username} 的密码</h2>
          {resetting.failure && (
            <p class="form-error" role="alert">
              {resetting.failure.message}
            </p>
          )}
          <TextField
            label="新密码"
            type="password"
            value={resetting.password}
            onInput={(password) => setResetting({ ...resetting, password })}
            error={resetting.failure?.fields.password}
            autocomplete="new-password"
          />
          <p class="muted">{PASSWORD_HINT}</p>
          <button type="submit">保存</button>{' '}
          <button type="button" class="secondary" onClick={() => setResetting(null)}>
            取消
          </button>
        </form>
      )}

      <h2>新建账号</h2>
      <form onSubmit={create}>
        {failure && (
          <p class="form-error" role="alert">
            {failure.message}
          </p>
        )}
        <div class="grid">
          <TextField label="用户名" value={form.username} onInput={set('username')} error={err('username')} autocomplete="off" />
          <TextField label="姓名" value={form.displayName} onInput={set('displayName')} error={err('displayName')} />
          <SelectField label="角色" value={form.role} options={ROLE_OPTIONS} onChange={set('role')} error={err('role')} />
          <TextField
            label="初始密码"
            type="password"
            value={form.password}
            onInput={set('password')}
            error={err('password')}
            autocomplete="new-password"
          />
        </div>
        <p class="muted">{PASSWORD_HINT}</p>
        {form.role !== 'admin' && (
          <CheckboxesField
            label="限定责任单位（不选为全部）"
            value={form.units}
            options={reference.units}
            onChange={set('units')}
            error={listError(failure, 'units')}
          />
        )}
        <button type="submit">保存</button>
      </form>

      <AuditLog version={version} />
    </section>
  );
}
