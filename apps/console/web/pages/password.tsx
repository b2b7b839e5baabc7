import { useState } from 'preact/hooks';
import { api } from '../api';
import { TextField, toFormFailure, type FormFailure } from '../form';

/** 修改密码: a person changes their own password (their other sessions end). */
export function PasswordPage() {
  const [form, setForm] = useState({ currentPassword: '', newPassword: '' });
  const [failure, setFailure] = useState<FormFailure | null>(null);
  const [done, setDone] = useState(false);
  const set = (key: keyof typeof form) => (value: string) => setForm({ ...form, [key]: value });

  const save = async (event: Event) => {
    event.preventDefault();
    setDone(false);
    try {
      await api('PUT', '/v1/session/password', form);
      setFailure(null);
      setForm({ currentPassword: '', newPassword: '' });
      setDone(true);
    } catch (error) {
      setFailure(toFormFailure(error));
    }
  };

  return (
    <section>
      <h1>修改密码</h1>
      <form onSubmit={save}>
        {failure && (
          <p class="form-error" role="alert">
            {failure.message}
          </p>
        )}
        {done && (
          <p class="notice" role="status">
            密码已修改，其他设备上的登录已退出
          </p>
        )}
        <TextField
          label="当前密码"
          required
          type="password"
          value={form.currentPassword}
          onInput={set('currentPassword')}
          error={failure?.fields.currentPassword}
          autocomplete="current-password"
        />
        <TextField
          label="新密码"
          required
          type="password"
          value={form.newPassword}
          onInput={set('newPassword')}
          error={failure?.fields.newPassword}
          autocomplete="new-password"
        />
        <button type="submit">保存</button>
      </form>
    </section>
  );
}
