import { MAX_FAILED_LOGINS } from '@app/people';
import { leadBody } from '../support/fixtures';
import { CONSOLE_ADMIN_PASSWORD, ConsoleClient, startConsole, type ConsoleStack } from '../support/console';

describe('the console API: sessions, CSRF, accounts, and the write and read APIs for the person logged in', () => {
  let stack: ConsoleStack;
  let admin: ConsoleClient;

  beforeAll(async () => {
    stack = await startConsole();
    admin = new ConsoleClient(stack.url);
    expect((await admin.login('admin', CONSOLE_ADMIN_PASSWORD)).status).toBe(200);
  });
  afterAll(() => stack.close());

  const createPerson = async (username: string, extra: Record<string, unknown> = {}) => {
    const answer = await admin.request('POST', '/v1/people', {
      username,
      displayName: `员工${username}`,
      role: 'writer',
      password: 'a long passphrase',
      ...extra,
    });
    expect(answer.status).toBe(201);
    return answer.body;
  };

  it('the first admin exists; logging in sets an HttpOnly, SameSite session cookie and answers the CSRF token', async () => {
    const client = new ConsoleClient(stack.url);
    const login = await client.login('ADMIN', CONSOLE_ADMIN_PASSWORD);
    expect(login.status).toBe(200);
    expect(login.setCookie).toMatch(/^ipsession=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(login.body).toMatchObject({
      person: { username: 'admin', role: 'admin', displayName: '系统管理员' },
      csrfToken: expect.any(String),
    });
    expect((await client.request('GET', '/v1/session')).body.person.username).toBe('admin');
  });

  it('a wrong password: 401 naming the field, no cookie', async () => {
    const client = new ConsoleClient(stack.url, '192.0.2.77');
    const login = await client.login('admin', 'not the password');
    expect(login.status).toBe(401);
    expect(login.setCookie).toBeNull();
    expect(login.body.error.details[0].field).toBe('password');
  });

  it('without a session every API answers 401; without the CSRF token a change answers 403 and writes nothing', async () => {
    const anonymous = new ConsoleClient(stack.url);
    expect((await anonymous.request('GET', '/v1/projects')).status).toBe(401);
    expect((await anonymous.request('POST', '/v1/projects', leadBody())).status).toBe(401);
    const before = await stack.db.pool.query('SELECT count(*)::int AS n FROM events');
    const forged = await admin.request('POST', '/v1/projects', leadBody(), { csrf: false });
    expect(forged.status).toBe(403);
    const after = await stack.db.pool.query('SELECT count(*)::int AS n FROM events');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it("a person's command is stored with actor {kind: user, id}, and the history shows their display name", async () => {
    const person = await createPerson('li.lei');
    const writer = new ConsoleClient(stack.url);
    await writer.login('li.lei', 'a long passphrase');
    const lead = leadBody();
    const stored = await writer.request('POST', '/v1/projects', lead);
    expect(stored.status).toBe(201);
    const { rows } = await stack.db.pool.query('SELECT actor FROM events WHERE event_id = $1', [stored.body.eventId]);
    expect(rows[0].actor).toEqual({ kind: 'user', id: person.id });
    const history = await writer.request('GET', `/v1/projects/${lead.projectId}/history`);
    expect(history.body[0]).toMatchObject({ type: 'LeadRegistered', actor: { kind: 'user', id: person.id }, actorName: '员工li.lei' });
  });

  it('a writer limited to a unit cannot write for another: 403, nothing stored', async () => {
    await createPerson('airport.only', { units: ['zz-airport'] });
    const writer = new ConsoleClient(stack.url);
    await writer.login('airport.only', 'a long passphrase');
    expect((await writer.request('POST', '/v1/projects', leadBody({ unit: 'zz-airport' }))).status).toBe(201);
    const elsewhere = leadBody({ unit: 'zz-erqi' });
    expect((await writer.request('POST', '/v1/projects', elsewhere)).status).toBe(403);
    expect((await stack.db.pool.query('SELECT 1 FROM events WHERE stream_id = $1', [`project-${elsewhere.projectId}`])).rowCount).toBe(0);
  });

  it('the accounts API is for admins only and refuses bad input field by field', async () => {
    await createPerson('plain.writer');
    const writer = new ConsoleClient(stack.url);
    await writer.login('plain.writer', 'a long passphrase');
    expect((await writer.request('GET', '/v1/people')).status).toBe(403);
    const bad = await admin.request('POST', '/v1/people', {
      username: 'x',
      displayName: '',
      role: 'boss',
      units: ['zz-nowhere'],
      password: 'short',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['displayName', 'role', 'username']);
    const taken = await admin.request('POST', '/v1/people', {
      username: 'plain.writer',
      displayName: '重名',
      role: 'reader',
      password: 'a long passphrase',
    });
    expect(taken.status).toBe(409);
    const list = await admin.request('GET', '/v1/people');
    expect(list.body.map((p: { username: string }) => p.username)).toEqual(expect.arrayContaining(['admin', 'plain.writer']));
    expect(JSON.stringify(list.body)).not.toContain('scrypt');
  });

  it(`${MAX_FAILED_LOGINS} failed logins from one address lock it there (429); another address still logs in; an admin unlocks`, async () => {
    await createPerson('wang.wu');
    const attacker = new ConsoleClient(stack.url, '198.51.100.1');
    for (let i = 1; i < MAX_FAILED_LOGINS; i++) expect((await attacker.login('wang.wu', `guess ${i}`)).status).toBe(401);
    expect((await attacker.login('wang.wu', 'guess 5')).status).toBe(429);
    expect((await attacker.login('wang.wu', 'a long passphrase')).status).toBe(429);
    expect((await new ConsoleClient(stack.url, '198.51.100.2').login('wang.wu', 'a long passphrase')).status).toBe(200);
    expect((await admin.request('POST', '/v1/people/unlock', { username: 'wang.wu' })).status).toBe(204);
    expect((await attacker.login('wang.wu', 'a long passphrase')).status).toBe(200);
    const audit = (await admin.request('GET', '/v1/people/audit')).body.items;
    expect(audit.find((e: { action: string; subject: string }) => e.action === 'unlock' && e.subject === 'wang.wu')).toMatchObject({
      actor: 'admin',
    });
    expect(audit.some((e: { action: string; address: string }) => e.action === 'login_failed' && e.address === '198.51.100.1')).toBe(true);
  });

  it('logging out ends the session on the server: the old cookie answers 401', async () => {
    await createPerson('leaving');
    const client = new ConsoleClient(stack.url);
    await client.login('leaving', 'a long passphrase');
    const cookie = client.cookie;
    expect((await client.request('DELETE', '/v1/session')).status).toBe(204);
    const replay = new ConsoleClient(stack.url);
    replay.cookie = cookie;
    expect((await replay.request('GET', '/v1/projects')).status).toBe(401);
  });

  it('disabling or resetting an account ends its sessions', async () => {
    const person = await createPerson('temp.staff');
    const client = new ConsoleClient(stack.url);
    await client.login('temp.staff', 'a long passphrase');
    expect((await admin.request('PUT', `/v1/people/${person.id}/password`, { password: 'a new long passphrase' })).status).toBe(204);
    expect((await client.request('GET', '/v1/session')).status).toBe(401);
    await client.login('temp.staff', 'a new long passphrase');
    expect((await admin.request('POST', `/v1/people/${person.id}/disable`)).status).toBe(204);
    expect((await client.request('GET', '/v1/session')).status).toBe(401);
    expect((await client.login('temp.staff', 'a new long passphrase')).status).toBe(401);
  });

  it('GET /v1/reference answers every pick-list with Chinese names', async () => {
    const reference = (await admin.request('GET', '/v1/reference')).body;
    expect(reference.units.find((u: { code: string }) => u.code === 'zz-airport')).toMatchObject({
      name: expect.stringMatching(/[\u4e00-\u9fff]/),
    });
    expect(reference.channels).toContainEqual({ code: 'fund', name: '基金招商' });
    expect(reference.regions).toContainEqual({ code: 'jjj', name: '京津冀' });
    expect(reference.sectors).toContainEqual({ code: 'emerging', name: '新兴产业' });
    expect(reference.funds.length).toBeGreaterThan(0);
    expect(reference.chains.length).toBeGreaterThan(0);
  });
});
