import { DATABASE_SCHEMA } from '@app/migrations';
import { ADDRESS_FAILURES_PER_MINUTE, LOCKOUT_MS, MAX_FAILED_LOGINS, People, SESSION_IDLE_MS } from '@app/people';
import { openDataSource } from '@app/platform';
import type { DataSource } from 'typeorm';
import { freshDatabase, type TestDatabase } from '../support/database';

const admin = { personId: null, address: '10.0.0.1' };

describe('people, sessions and lock-out (real PostgreSQL)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let people: People;

  beforeAll(async () => {
    db = await freshDatabase(4);
    dataSource = await openDataSource({ url: db.url, poolSize: 4 }, DATABASE_SCHEMA);
    people = new People(dataSource);
  });
  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  const newPerson = (username: string, extra: Record<string, unknown> = {}) =>
    people.create(
      { username, displayName: `员工 ${username}`, role: 'writer', units: ['zz-airport'], password: 'a long passphrase', ...extra },
      admin,
    );

  it('creates a person once per username (case-insensitive), never showing the hash', async () => {
    const created = await newPerson('Zhang.Wei');
    expect(created).toMatchObject({
      username: 'zhang.wei',
      displayName: '员工 Zhang.Wei',
      role: 'writer',
      units: ['zz-airport'],
      disabled: false,
    });
    expect(JSON.stringify(created)).not.toContain('scrypt');
    expect(await newPerson('ZHANG.WEI')).toBeNull();
    const stored = await db.pool.query(`SELECT password_hash FROM people WHERE username = 'zhang.wei'`);
    expect(stored.rows[0].password_hash).toMatch(/^scrypt\$/);
  });

  it('logs in with the right password only; the session is found by its token and ends on logout', async () => {
    await newPerson('li.na');
    expect(await people.login('li.na', 'wrong password!', '10.0.0.2')).toEqual({ ok: false, reason: 'invalid', delayMs: 250 });
    const login = await people.login(' Li.Na ', 'a long passphrase', '10.0.0.2');
    if (!login.ok) throw new Error('refused');
    const session = await people.session(login.token);
    expect(session).toMatchObject({ person: { username: 'li.na' }, csrfToken: login.csrfToken });
    await people.logout(login.token, { personId: login.person.id, address: '10.0.0.2' });
    expect(await people.session(login.token)).toBeNull();
    expect(await people.session('not-a-token')).toBeNull();
  });

  it('a session idle for 8 h is over', async () => {
    await newPerson('idle');
    const login = await people.login('idle', 'a long passphrase', '10.0.0.3');
    if (!login.ok) throw new Error('refused');
    await db.pool.query(`UPDATE sessions SET last_seen_at = now() - $1 * interval '1 millisecond' - interval '1 second'`, [
      SESSION_IDLE_MS,
    ]);
    expect(await people.session(login.token)).toBeNull();
  });

  it(`${MAX_FAILED_LOGINS} failed logins in a row lock the account for that address only, for 15 minutes; an admin unlocks`, async () => {
    await newPerson('wang.fang');
    for (let i = 1; i < MAX_FAILED_LOGINS; i++)
      expect(await people.login('wang.fang', `wrong ${i}`, '10.0.0.9')).toMatchObject({ reason: 'invalid' });
    expect(await people.login('wang.fang', 'wrong 5', '10.0.0.9')).toMatchObject({ ok: false, reason: 'locked' });
    // Locked: even the right password does not open it from that address…
    const locked = await people.login('wang.fang', 'a long passphrase', '10.0.0.9');
    expect(locked).toMatchObject({ ok: false, reason: 'locked' });
    if (locked.ok || locked.reason !== 'locked') throw new Error('opened');
    const until = Date.parse(locked.lockedUntil!) - Date.now();
    expect(until).toBeGreaterThan(LOCKOUT_MS - 60_000);
    expect(until).toBeLessThanOrEqual(LOCKOUT_MS);
    // …but from another address it does.
    expect(await people.login('wang.fang', 'a long passphrase', '10.0.0.10')).toMatchObject({ ok: true });
    await people.unlock('Wang.Fang', admin);
    expect(await people.login('wang.fang', 'a long passphrase', '10.0.0.9')).toMatchObject({ ok: true });
  });

  it(`past ${ADDRESS_FAILURES_PER_MINUTE} failures a minute from one address every attempt is refused, in every console sharing the database`, async () => {
    await newPerson('liu.yang');
    const address = '10.0.0.66';
    // A right password is forgiven: it does not count towards the address's limit.
    expect(await people.login('liu.yang', 'a long passphrase', address)).toMatchObject({ ok: true });
    const failures = await Promise.all(
      Array.from({ length: ADDRESS_FAILURES_PER_MINUTE }, (_, i) => people.login(`nobody-${i}`, 'wrong password', address)),
    );
    expect(failures.map((f) => !f.ok && f.reason)).toEqual(Array(ADDRESS_FAILURES_PER_MINUTE).fill('invalid'));
    const refused = await people.login('nobody-31', 'wrong password', address);
    expect(refused).toMatchObject({ ok: false, reason: 'rate_limited' });
    expect(await people.login('liu.yang', 'a long passphrase', address)).toMatchObject({ ok: false, reason: 'rate_limited' });
    // Another console on the same database knows it from the database.
    const otherConsole = new People(dataSource);
    expect(await otherConsole.login('liu.yang', 'a long passphrase', address)).toMatchObject({ ok: false, reason: 'rate_limited' });
    expect(await otherConsole.login('liu.yang', 'a long passphrase', '10.0.0.67')).toMatchObject({ ok: true });
    // Once the minute has passed, the address may try again.
    await db.pool.query(`UPDATE login_address_failures SET at = at - interval '61 seconds' WHERE address = $1`, [address]);
    expect(await new People(dataSource).login('liu.yang', 'a long passphrase', address)).toMatchObject({ ok: true });
  });

  it('a success resets the count: failures must be in a row', async () => {
    await newPerson('chen.jie');
    for (let round = 0; round < 2; round++) {
      for (let i = 1; i < MAX_FAILED_LOGINS; i++) await people.login('chen.jie', 'wrong', '10.0.0.11');
      expect(await people.login('chen.jie', 'a long passphrase', '10.0.0.11')).toMatchObject({ ok: true });
    }
  });

  it('disabling ends the sessions and refuses logins; a reset password ends them too', async () => {
    const person = (await newPerson('zhao.lei'))!;
    const first = await people.login('zhao.lei', 'a long passphrase', '10.0.0.12');
    if (!first.ok) throw new Error('refused');
    await people.setDisabled(person.id, true, admin);
    expect(await people.session(first.token)).toBeNull();
    expect(await people.login('zhao.lei', 'a long passphrase', '10.0.0.12')).toMatchObject({ ok: false });
    await people.setDisabled(person.id, false, admin);
    const second = await people.login('zhao.lei', 'a long passphrase', '10.0.0.12');
    if (!second.ok) throw new Error('refused');
    await people.resetPassword(person.id, 'another long one', admin);
    expect(await people.session(second.token)).toBeNull();
    expect(await people.login('zhao.lei', 'another long one', '10.0.0.12')).toMatchObject({ ok: true });
  });

  it('changing one’s own password needs the current one and keeps only the session that changed it', async () => {
    const person = (await newPerson('sun.li'))!;
    const here = await people.login('sun.li', 'a long passphrase', '10.0.0.13');
    const there = await people.login('sun.li', 'a long passphrase', '10.0.0.14');
    if (!here.ok || !there.ok) throw new Error('refused');
    const by = { personId: person.id, address: '10.0.0.13' };
    expect(await people.changeOwnPassword(person.id, 'not the current', 'new long password', here.token, by)).toEqual({
      ok: false,
      reason: 'invalid',
      delayMs: 250,
    });
    expect(await people.changeOwnPassword(person.id, 'a long passphrase', 'new long password', here.token, by)).toEqual({ ok: true });
    expect(await people.session(here.token)).not.toBeNull();
    expect(await people.session(there.token)).toBeNull();
  });

  it('records logins, failed logins and admin actions, newest first', async () => {
    const log = (await people.auditLog({ limit: 500 })).items;
    const actions = new Set(log.map((entry) => entry.action));
    for (const action of [
      'create_person',
      'login',
      'login_failed',
      'login_locked',
      'unlock',
      'logout',
      'disable_person',
      'reset_password',
      'change_password',
      'change_password_failed',
    ])
      expect(actions).toContain(action);
    expect(Date.parse(log[0].at)).toBeGreaterThanOrEqual(Date.parse(log[log.length - 1].at));
    expect(log.find((e) => e.action === 'login_failed' && e.subject === 'wang.fang')).toMatchObject({ address: '10.0.0.9' });
  });
});
