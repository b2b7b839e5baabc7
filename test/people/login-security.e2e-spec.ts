import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ADDRESS_FAILURES_PER_MINUTE, MAX_FAILED_LOGINS, SESSION_MAX_MS } from '@app/people';
import { ConsoleClient } from '../support/console';
import { freshDatabase, type TestDatabase } from '../support/database';
import { eventually, runApp, type Running } from '../support/processes';

const ADMIN_PASSWORD = 'Console-Passphrase-2025';
const PASSWORD = 'a long passphrase';

/** The built console as its own process (`npm test` builds dist/ first), behind one proxy hop, on a free port. */
async function startConsoleProcess(db: TestDatabase, env: Record<string, string> = {}): Promise<{ url: string; app: Running }> {
  const app = runApp('console', {
    DATABASE_URL: db.url,
    CONSOLE_PORT: '0',
    CONSOLE_ADMIN_PASSWORD: ADMIN_PASSWORD,
    TRUST_PROXY: '1',
    ...env,
  });
  const [, url] = await app.waitForOutput(/"url":"(http:\/\/[^"]+)"[^\n]*console listening/);
  return { url, app };
}

/** A login as a browser behind the proxy sends it: `forwardedFor` is the X-Forwarded-For the proxy passes on. */
async function login(url: string, username: string, password: string, forwardedFor: string) {
  const started = performance.now();
  const response = await fetch(`${url}/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
    body: JSON.stringify({ username, password }),
  });
  const body = (await response.json()) as { error?: { code: string } };
  return { status: response.status, code: body.error?.code, ms: performance.now() - started, headers: response.headers };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

describe('console logins against floods, guessing and forged addresses (console process, real PostgreSQL)', () => {
  let db: TestDatabase;
  let url: string;
  let app: Running;
  let admin: ConsoleClient;

  beforeAll(async () => {
    db = await freshDatabase(2);
    ({ url, app } = await startConsoleProcess(db));
    admin = new ConsoleClient(url, '192.0.2.1');
    expect((await admin.login('admin', ADMIN_PASSWORD)).status).toBe(200);
    for (const username of ['victim', 'changer', 'reader.one'])
      expect(
        (
          await admin.request('POST', '/v1/people', {
            username,
            displayName: username,
            role: username === 'reader.one' ? 'reader' : 'writer',
            password: PASSWORD,
          })
        ).status,
      ).toBe(201);
  });
  afterAll(async () => {
    await app?.stop();
    await db?.drop();
  });

  it(`failed logins from one address with a new username each: the ${ADDRESS_FAILURES_PER_MINUTE + 1}st answers 429, a real login elsewhere stays quick`, async () => {
    const flooder = '198.51.100.66';
    const baseline: number[] = [];
    for (let i = 0; i < 3; i++) baseline.push((await login(url, 'admin', ADMIN_PASSWORD, `192.0.2.${20 + i}`)).ms);

    // Thirty at once (each to its own username, so none waits for another's delay), then the 31st.
    const firstFailure = performance.now();
    const answers = await Promise.all(
      Array.from(
        { length: ADDRESS_FAILURES_PER_MINUTE },
        async (_, i) => (await login(url, `guess-${i}`, 'wrong password', flooder)).status,
      ),
    );
    expect(answers).toEqual(Array(ADDRESS_FAILURES_PER_MINUTE).fill(401));
    const refused = await login(url, 'guess-31', 'wrong password', flooder);
    expect(refused).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    // Correct or not, every attempt from that address is refused for the rest of the minute.
    expect(await login(url, 'admin', ADMIN_PASSWORD, flooder)).toMatchObject({ status: 429, code: 'rate_limited' });

    // The flood goes on (400 attempts, 20 at a time) while the real user logs in from elsewhere.
    const flood: number[] = [];
    const flooding = async () => {
      while (flood.length < 400) {
        const i = flood.push(0) - 1;
        flood[i] = (await login(url, `flood-${i}`, 'wrong password', flooder)).status;
      }
    };
    const during: number[] = [];
    const real = (async () => {
      for (let i = 0; i < 3; i++) {
        const answer = await login(url, 'admin', ADMIN_PASSWORD, `192.0.2.${30 + i}`);
        expect(answer.status).toBe(200);
        during.push(answer.ms);
      }
    })();
    const floodStarted = performance.now();
    await Promise.all([...Array.from({ length: 20 }, flooding), real]);
    const floodMs = performance.now() - floodStarted;
    const checked = flood.filter((status) => status === 401).length;
    console.log(
      `login flood: ${flood.length} attempts in ${Math.round(floodMs)} ms, ${flood.length - checked} refused (429) unchecked, ` +
        `${checked} checked once the minute of the first failures had passed; a real login from another address: ` +
        `median ${Math.round(median(baseline))} ms before, ${Math.round(median(during))} ms during (max ${Math.round(Math.max(...during))} ms)`,
    );
    // The window slides: at most 30 failures are checked in any minute since the first.
    const minutes = Math.ceil((performance.now() - firstFailure) / 60_000);
    expect(ADDRESS_FAILURES_PER_MINUTE + checked).toBeLessThanOrEqual(ADDRESS_FAILURES_PER_MINUTE * minutes);
    expect(flood.every((status) => status === 401 || status === 429)).toBe(true);
    expect(median(during)).toBeLessThan(3 * median(baseline) + 1_000);
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'login_rate_limited' AND address = $1`, [
      flooder,
    ]);
    // Recorded once per block (then refused from memory, without a query), and again whenever a new block begins.
    expect(rows[0].n).toBeGreaterThanOrEqual(1);
    expect(rows[0].n).toBeLessThanOrEqual(1 + checked);
  });

  it('five wrong passwords from one address lock the victim there only, answered ever more slowly; another address logs in; an admin unlocks', async () => {
    const attacker = '203.0.113.50';
    const delays: number[] = [];
    for (let i = 1; i < MAX_FAILED_LOGINS; i++) {
      const answer = await login(url, 'victim', `wrong guess ${i}`, attacker);
      expect(answer.status).toBe(401);
      delays.push(answer.ms);
    }
    const fifth = await login(url, 'victim', 'wrong guess 5', attacker);
    expect(fifth).toMatchObject({ status: 429, code: 'locked' });
    delays.push(fifth.ms);
    console.log(`wrong passwords in a row answered after ${delays.map((ms) => Math.round(ms)).join(', ')} ms`);
    // 250 ms doubled each time: the fourth waits 2 s, the fifth 4 s.
    expect(delays[3]).toBeGreaterThanOrEqual(2_000);
    expect(delays[4]).toBeGreaterThanOrEqual(4_000);
    expect(delays[4]).toBeLessThan(5_000 + 3_000);
    expect(await login(url, 'victim', PASSWORD, attacker)).toMatchObject({ status: 429, code: 'locked' });
    expect(await login(url, 'victim', PASSWORD, '203.0.113.51')).toMatchObject({ status: 200 });

    const accounts = (await admin.request('GET', '/v1/people')).body;
    expect(accounts.find((a: { username: string }) => a.username === 'victim')).toMatchObject({ locked: true });
    expect(accounts.find((a: { username: string }) => a.username === 'changer')).toMatchObject({ locked: false });
    expect((await admin.request('POST', '/v1/people/unlock', { username: 'victim' })).status).toBe(204);
    expect(await login(url, 'victim', PASSWORD, attacker)).toMatchObject({ status: 200 });
  });

  it('with a hop count of 1 a forged X-Forwarded-For changes nothing beyond the first hop', async () => {
    // The proxy appends the address it saw; whatever the client put before it is ignored.
    const real = '203.0.113.77';
    for (let i = 1; i <= MAX_FAILED_LOGINS; i++) {
      const answer = await login(url, 'changer', `wrong ${i}`, `10.9.${i}.1, ${real}`);
      expect(answer.status).toBe(i < MAX_FAILED_LOGINS ? 401 : 429);
    }
    expect(await login(url, 'changer', PASSWORD, `10.9.99.1, ${real}`)).toMatchObject({ status: 429, code: 'locked' });
    const { rows } = await db.pool.query(`SELECT DISTINCT address FROM audit_log WHERE subject = 'changer' AND action LIKE 'login%'`);
    expect(rows.map((r) => r.address)).toEqual([real]);
    expect((await admin.request('POST', '/v1/people/unlock', { username: 'changer' })).status).toBe(204);
  });

  it('a wrong current password is limited like a login and recorded; the rule holds on create, reset and change', async () => {
    const changer = new ConsoleClient(url, '203.0.113.90');
    expect((await changer.login('changer', PASSWORD)).status).toBe(200);
    const weak = await changer.request('PUT', '/v1/session/password', { currentPassword: PASSWORD, newPassword: 'aaaaaaaaaa' });
    expect(weak.status).toBe(400);
    expect(weak.body.error.details).toEqual([{ field: 'newPassword', message: '密码至少含 4 个不同的字符' }]);
    const named = await changer.request('PUT', '/v1/session/password', { currentPassword: PASSWORD, newPassword: 'I am CHANGER now' });
    expect(named.body.error.details).toEqual([{ field: 'newPassword', message: '密码不得包含用户名' }]);

    for (let i = 1; i < MAX_FAILED_LOGINS; i++) {
      const wrong = await changer.request('PUT', '/v1/session/password', {
        currentPassword: `not it ${i}`,
        newPassword: 'a brand new one',
      });
      expect(wrong.status).toBe(400);
      expect(wrong.body.error.details).toEqual([{ field: 'currentPassword', message: '当前密码错误' }]);
    }
    const locked = await changer.request('PUT', '/v1/session/password', { currentPassword: 'not it 5', newPassword: 'a brand new one' });
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe('locked');
    // Locked: not even the right current password, nor a login from that address.
    const right = await changer.request('PUT', '/v1/session/password', { currentPassword: PASSWORD, newPassword: 'a brand new one' });
    expect(right.status).toBe(429);
    expect(await login(url, 'changer', PASSWORD, '203.0.113.90')).toMatchObject({ status: 429, code: 'locked' });
    const audit = (await admin.request('GET', '/v1/people/audit?person=changer&kind=change_password_failed')).body;
    expect(audit.items).toHaveLength(MAX_FAILED_LOGINS);
    expect(audit.items[0]).toMatchObject({ actor: 'changer', subject: 'changer', address: '203.0.113.90', detail: { locked: true } });
    expect((await admin.request('POST', '/v1/people/unlock', { username: 'changer' })).status).toBe(204);

    const person = (await admin.request('GET', '/v1/people')).body.find((a: { username: string }) => a.username === 'changer');
    const reset = await admin.request('PUT', `/v1/people/${person.id}/password`, { password: 'changer-2025-x' });
    expect(reset.status).toBe(400);
    expect(reset.body.error.details).toEqual([{ field: 'password', message: '密码不得包含用户名' }]);
    const created = await admin.request('POST', '/v1/people', {
      username: 'weak.one',
      displayName: '弱',
      role: 'reader',
      password: 'abababababab',
    });
    expect(created.status).toBe(400);
    expect(created.body.error.details).toEqual([{ field: 'password', message: '密码至少含 4 个不同的字符' }]);
  });

  it('the audit log comes in pages, filtered by kind, person and time', async () => {
    const first = await admin.request('GET', '/v1/people/audit?kind=login_failed&limit=3');
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(3);
    expect(first.body.items.every((e: { action: string }) => e.action === 'login_failed')).toBe(true);
    const second = await admin.request('GET', `/v1/people/audit?kind=login_failed&limit=3&cursor=${first.body.nextCursor}`);
    expect(second.body.items).toHaveLength(3);
    const ids = [...first.body.items, ...second.body.items].map((e: { id: string }) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(6);

    const victim = (await admin.request('GET', '/v1/people/audit?person=VICTIM&limit=500')).body;
    expect(victim.nextCursor).toBeNull();
    expect(new Set(victim.items.map((e: { action: string }) => e.action))).toEqual(
      new Set(['create_person', 'login_failed', 'login_locked', 'login', 'unlock']),
    );
    const adminActions = (await admin.request('GET', '/v1/people/audit?person=admin&kind=unlock')).body.items;
    expect(adminActions.map((e: { subject: string }) => e.subject)).toEqual(['changer', 'changer', 'victim']);

    const all = (await admin.request('GET', '/v1/people/audit?limit=500')).body.items as Array<{ id: string; at: string }>;
    const middle = all[Math.floor(all.length / 2)];
    const after = (await admin.request('GET', `/v1/people/audit?limit=500&from=${encodeURIComponent(middle.at)}`)).body.items;
    const before = (await admin.request('GET', `/v1/people/audit?limit=500&to=${encodeURIComponent(middle.at)}`)).body.items;
    expect(after.length + before.length).toBe(all.length);
    expect(after.every((e: { at: string }) => e.at >= middle.at)).toBe(true);
    expect(before.every((e: { at: string }) => e.at < middle.at)).toBe(true);

    const bad = await admin.request('GET', '/v1/people/audit?kind=everything&from=2025-02-30T00:00:00Z&cursor=abc');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['cursor', 'from', 'kind']);
  });

  it('a session ends after 24 h in all, however busy', async () => {
    const reader = new ConsoleClient(url, '192.0.2.60');
    expect((await reader.login('reader.one', PASSWORD)).status).toBe(200);
    expect((await reader.request('GET', '/v1/session')).status).toBe(200);
    await db.pool.query(
      `UPDATE sessions SET created_at = now() - $1 * interval '1 millisecond' + interval '5 seconds', last_seen_at = now()
        WHERE person_id = (SELECT id FROM people WHERE username = 'reader.one')`,
      [SESSION_MAX_MS],
    );
    expect((await reader.request('GET', '/v1/session')).status).toBe(200);
    await db.pool.query(
      `UPDATE sessions SET created_at = now() - $1 * interval '1 millisecond' - interval '1 second', last_seen_at = now()
        WHERE person_id = (SELECT id FROM people WHERE username = 'reader.one')`,
      [SESSION_MAX_MS],
    );
    expect((await reader.request('GET', '/v1/session')).status).toBe(401);
  });

  it('pages and API answers forbid framing; /metrics and the documents need a login; no source map is served', async () => {
    for (const path of ['/', '/v1/session']) {
      const answer = await fetch(`${url}${path}`);
      const policy = answer.headers.get('content-security-policy') ?? '';
      expect(policy).toContain("frame-ancestors 'none'");
      expect(policy).toContain("default-src 'self'");
      expect(policy).not.toContain('unsafe-inline');
      expect(answer.headers.get('x-frame-options')).toBe('DENY');
      expect(answer.headers.get('referrer-policy')).toBe('same-origin');
    }
    for (const path of ['/metrics', '/docs', '/docs/openapi.json', '/docs-yaml'])
      expect([path, (await fetch(`${url}${path}`)).status]).toEqual([path, 401]);
    const reader = new ConsoleClient(url, '192.0.2.61');
    expect((await reader.login('reader.one', PASSWORD)).status).toBe(200);
    const withCookie = (path: string, who: ConsoleClient) => fetch(`${url}${path}`, { headers: { cookie: who.cookie } });
    expect((await withCookie('/docs/openapi.json', reader)).status).toBe(200);
    expect((await withCookie('/metrics', reader)).status).toBe(403);
    const metrics = await withCookie('/metrics', admin);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('db_pool_connections');

    const script = await fetch(`${url}/app.js`);
    expect(script.status).toBe(200);
    expect(await script.text()).not.toContain('sourceMappingURL');
    expect((await fetch(`${url}/app.js.map`)).status).toBe(404);
    expect(existsSync(join(__dirname, '..', '..', 'dist', 'console-web', 'app.js.map'))).toBe(false);
  });
});

describe('the console refuses to start on an unsafe configuration', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase(2);
  });
  afterAll(() => db?.drop());

  it.each([
    ['TRUST_PROXY=true', { TRUST_PROXY: 'true' }, /TRUST_PROXY=true: trusts every X-Forwarded-For hop/],
    ['TRUST_PROXY=not-an-address', { TRUST_PROXY: '10.0.0.1,proxy.local' }, /TRUST_PROXY=10\.0\.0\.1,proxy\.local: .*not proxy\.local/],
    ['a weak CONSOLE_ADMIN_PASSWORD', { CONSOLE_ADMIN_PASSWORD: 'admin12345' }, /CONSOLE_ADMIN_PASSWORD: 密码不得包含用户名/],
  ])('%s stops the start with a message naming it', async (_what, env, message) => {
    const app = runApp('console', { DATABASE_URL: db.url, CONSOLE_PORT: '0', CONSOLE_ADMIN_PASSWORD: ADMIN_PASSWORD, ...env });
    await app.waitForOutput(message);
    expect(await eventually(async () => app.exited ?? undefined, 10_000, 'the console exits')).toEqual({ code: 1, signal: null });
  });
});
