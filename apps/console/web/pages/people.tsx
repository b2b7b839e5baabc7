import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { CheckboxesField, SelectField, TextField, formatTime, listError, toFormFailure, type FormFailure } from '../form';
import { nameIn, type Reference } from '../session';

interface Account {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly role: string;
  readonly units: readonly string[] | null;
  readonly disabled: boolean;
  readonly createdAt: string;
}

interface AuditEntry {
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
  logout: '退出',
  create_person: '创建账号',
  disable_person: '停用账号',
  enable_person: '启用账号',
  reset_password: '重置密码',
  change_password: '修改密码',
  unlock: '解除锁定',
};

/** 用户管理: accounts, their roles and units, unlock and reset, and the record of logins and admin actions. */
export function PeoplePage(props: { reference: Reference }) {
  const { reference } = props;
  const [accounts, setAccounts] = useState<readonly Account[]>([]);
  const [audit, setAudit] = useState<readonly AuditEntry[]>([]);
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
    setAudit(await api<AuditEntry[]>('GET', '/v1/people/audit'));
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
                <td>{a.disabled ? '已停用' : '正常'}</td>
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
                  <button
                    type="button"
                    class="secondary"
                    onClick={() => act('已解除锁定', () => api('POST', '/v1/people/unlock', { username: a.username }))}
                  >
                    解除锁定
                  </button>
                  <button
                    type="button"
                    class="secondary"
                    onClick={() => {
                      const password = prompt(`为 ${a.username} 设置新密码（至少 10 个字符）`);
                      if (password) void act('密码已重置', () => api('PUT', `/v1/people/${a.id}/password`, { password }));
                    }}
                  >
                    重置密码
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

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

      <h2>登录与操作记录</h2>
      <div class="table-wrap">
        <table>
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
            {audit.map((e, i) => (
              <tr key={i}>
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
    </section>
  );
}
