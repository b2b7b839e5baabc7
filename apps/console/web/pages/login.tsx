import { useState } from 'preact/hooks';
import { api } from '../api';
import { TextField, toFormFailure, type FormFailure } from '../form';
import type { SessionPerson } from '../session';

export function LoginPage(props: { onLogin: (person: SessionPerson, csrfToken: string) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [failure, setFailure] = useState<FormFailure | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const session = await api<{ person: SessionPerson; csrfToken: string }>('POST', '/v1/session', { username, password });
      props.onLogin(session.person, session.csrfToken);
    } catch (error) {
      setFailure(toFormFailure(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="login">
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">登录</h1>
        <p class="subtitle">招商引资工作台</p>
        {failure && (
          <p class="form-error" role="alert">
            {failure.fields.password ?? failure.fields.username ?? failure.message}
          </p>
        )}
        <TextField label="用户名" value={username} onInput={setUsername} autocomplete="username" />
        <TextField label="密码" type="password" value={password} onInput={setPassword} autocomplete="current-password" />
        <button type="submit" disabled={busy}>
          登录
        </button>
      </form>
    </main>
  );
}
