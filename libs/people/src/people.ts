import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { IsNull, type DataSource, type Repository } from 'typeorm';
import { LoginLockoutEntity, PersonEntity, SessionEntity, type PersonRole } from './entities';
import { hashPassword, verifyPassword } from './password';

/** A person as the console and the accounts API show them (never the hash). */
export interface Person {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly role: PersonRole;
  readonly units: readonly string[] | null;
  readonly disabled: boolean;
  readonly createdAt: string;
}

export interface NewPerson {
  readonly username: string;
  readonly displayName: string;
  readonly role: PersonRole;
  readonly units?: readonly string[];
  readonly password: string;
}

/** Who did something, and from where, for the audit log. */
export interface Acting {
  readonly personId: string | null;
  readonly address: string;
}

export type LoginOutcome =
  | { readonly ok: true; readonly person: Person; readonly token: string; readonly csrfToken: string }
  | { readonly ok: false; readonly reason: 'invalid' | 'locked'; readonly lockedUntil?: string };

export interface SessionView {
  readonly person: Person;
  readonly csrfToken: string;
}

/** Failed logins in a row from one address that lock the account for that address. */
export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_MS = 15 * 60_000;
/** A session unused this long is over. */
export const SESSION_IDLE_MS = 8 * 60 * 60_000;
/** last_seen_at is written at most this often per session: a page's burst of requests writes once. */
const TOUCH_EVERY_MS = 60_000;

const hashToken = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();
const normalizeUsername = (username: string): string => username.trim().toLowerCase();

/** A hash of nothing anyone knows, verified for an unknown username so that a wrong name takes as long as a wrong password. */
const DECOY_HASH = hashPassword(randomBytes(16).toString('hex'));

/**
 * The people who log in to the console, their sessions, lock-outs and the audit log
 * (contract §7). Every change an admin makes and every login is recorded.
 */
export class People {
  private readonly people: Repository<PersonEntity>;
  private readonly sessions: Repository<SessionEntity>;
  private readonly lockouts: Repository<LoginLockoutEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.people = dataSource.getRepository(PersonEntity);
    this.sessions = dataSource.getRepository(SessionEntity);
    this.lockouts = dataSource.getRepository(LoginLockoutEntity);
  }

  /** Null when the username is taken. */
  async create(input: NewPerson, by: Acting): Promise<Person | null> {
    const row = this.people.create({
      id: randomUUID(),
      username: normalizeUsername(input.username),
      displayName: input.displayName.trim(),
      role: input.role,
      units: input.units && input.role !== 'admin' ? [...input.units] : null,
      passwordHash: await hashPassword(input.password),
      disabledAt: null,
    });
    const inserted = await this.people.createQueryBuilder().insert().values(row).orIgnore().returning(['created_at']).execute();
    if (inserted.raw.length === 0) return null;
    row.createdAt = inserted.raw[0].created_at;
    await this.record(by, 'create_person', row.username, { role: row.role, units: row.units });
    return toPerson(row);
  }

  async list(): Promise<Person[]> {
    return (await this.people.find({ order: { createdAt: 'ASC', username: 'ASC' } })).map(toPerson);
  }

  async byId(id: string): Promise<Person | null> {
    const row = await this.people.findOneBy({ id });
    return row ? toPerson(row) : null;
  }

  /** The display names of people by id, for histories. */
  async displayNames(ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.people.createQueryBuilder('p').select(['p.id', 'p.displayName']).where('p.id = ANY(:ids)', { ids }).getMany();
    return new Map(rows.map((r) => [r.id, r.displayName]));
  }

  /** Disables (or enables) an account; disabling ends its sessions. False when there is no such person. */
  async setDisabled(id: string, disabled: boolean, by: Acting): Promise<boolean> {
    const person = await this.people.findOneBy({ id });
    if (!person) return false;
    await this.dataSource.transaction(async (tx) => {
      await tx.update(PersonEntity, { id }, { disabledAt: disabled ? () => 'now()' : null });
      if (disabled) await tx.update(SessionEntity, { personId: id, endedAt: IsNull() }, { endedAt: () => 'now()' });
    });
    await this.record(by, disabled ? 'disable_person' : 'enable_person', person.username);
    return true;
  }

  /** An admin sets a new password: the person's sessions end. */
  async resetPassword(id: string, password: string, by: Acting): Promise<boolean> {
    const person = await this.people.findOneBy({ id });
    if (!person) return false;
    await this.replacePassword(id, password, null);
    await this.record(by, 'reset_password', person.username);
    return true;
  }

  /** A person changes their own password (knowing the current one): their other sessions end. */
  async changeOwnPassword(id: string, current: string, password: string, keepToken: string, by: Acting): Promise<boolean> {
    const person = await this.people.findOneBy({ id });
    if (!person || !(await verifyPassword(current, person.passwordHash))) return false;
    await this.replacePassword(id, password, hashToken(keepToken));
    await this.record(by, 'change_password', person.username);
    return true;
  }

  /** Lifts every lock-out of a username (from any address). */
  async unlock(username: string, by: Acting): Promise<void> {
    await this.lockouts.delete({ username: normalizeUsername(username) });
    await this.record(by, 'unlock', normalizeUsername(username));
  }

  /**
   * Logs in from `address`: a new session, or why not. The password is not even checked
   * while the username is locked for that address; a wrong one counts towards the lock.
   */
  async login(usernameAsTyped: string, password: string, address: string): Promise<LoginOutcome> {
    const username = normalizeUsername(usernameAsTyped);
    const lock = await this.lockouts.findOneBy({ username, address });
    if (lock?.lockedUntil && lock.lockedUntil.getTime() > Date.now()) {
      await this.record({ personId: null, address }, 'login_locked', username);
      return { ok: false, reason: 'locked', lockedUntil: lock.lockedUntil.toISOString() };
    }
    const person = await this.people.findOneBy({ username });
    const matches = await verifyPassword(password, person?.passwordHash ?? (await DECOY_HASH));
    if (!person || !matches || person.disabledAt !== null) {
      const locked = await this.countFailure(username, address);
      await this.record({ personId: person?.id ?? null, address }, 'login_failed', username, { locked });
      return locked
        ? { ok: false, reason: 'locked', lockedUntil: new Date(Date.now() + LOCKOUT_MS).toISOString() }
        : { ok: false, reason: 'invalid' };
    }
    await this.lockouts.delete({ username, address });
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    await this.sessions.insert({ tokenHash: hashToken(token), personId: person.id, csrfToken, endedAt: null });
    await this.record({ personId: person.id, address }, 'login', username);
    return { ok: true, person: toPerson(person), token, csrfToken };
  }

  /** The session of a cookie's token: null when unknown, ended, idle too long, or its person disabled. */
  async session(token: string): Promise<SessionView | null> {
    // One round trip: every console request asks. The idle limit is the database's clock, as last_seen_at is.
    const [row] = await this.dataSource.query(
      `SELECT p.id, p.username, p.display_name, p.role, p.units, p.created_at, s.csrf_token,
              s.last_seen_at < now() - $3 * interval '1 millisecond' AS touch
         FROM sessions s JOIN people p ON p.id = s.person_id
        WHERE s.token_hash = $1 AND s.ended_at IS NULL AND s.last_seen_at > now() - $2 * interval '1 millisecond'
          AND p.disabled_at IS NULL`,
      [hashToken(token), SESSION_IDLE_MS, TOUCH_EVERY_MS],
    );
    if (!row) return null;
    if (row.touch) await this.sessions.update({ tokenHash: hashToken(token) }, { lastSeenAt: () => 'now()' });
    const person: Person = {
      id: row.id,
      username: row.username,
      displayName: row.display_name,
      role: row.role,
      units: row.units,
      disabled: false,
      createdAt: row.created_at.toISOString(),
    };
    return { person, csrfToken: row.csrf_token };
  }

  async logout(token: string, by: Acting): Promise<void> {
    const { affected } = await this.sessions.update({ tokenHash: hashToken(token), endedAt: IsNull() }, { endedAt: () => 'now()' });
    if (affected) await this.record(by, 'logout', null);
  }

  /** The newest entries of the audit log, with the actor's username. */
  async auditLog(
    limit = 200,
  ): Promise<Array<{ at: string; actor: string | null; action: string; subject: string | null; address: string | null }>> {
    const rows: Array<{ at: Date; actor: string | null; action: string; subject: string | null; address: string | null }> =
      await this.dataSource.query(
        `SELECT a.at, p.username AS actor, a.action, a.subject, a.address
         FROM audit_log a LEFT JOIN people p ON p.id::text = a.actor_id
        ORDER BY a.id DESC LIMIT $1`,
        [limit],
      );
    return rows.map((r) => ({ ...r, at: r.at.toISOString() }));
  }

  private async replacePassword(id: string, password: string, keep: Buffer | null): Promise<void> {
    const passwordHash = await hashPassword(password);
    await this.dataSource.transaction(async (tx) => {
      await tx.update(PersonEntity, { id }, { passwordHash });
      const open = tx
        .createQueryBuilder()
        .update(SessionEntity)
        .set({ endedAt: () => 'now()' })
        .where('person_id = :id AND ended_at IS NULL', { id });
      if (keep) open.andWhere('token_hash <> :keep', { keep });
      await open.execute();
    });
  }

  /** Counts a failed login; true when it locks the username for the address. */
  private async countFailure(username: string, address: string): Promise<boolean> {
    const [row] = await this.dataSource.query(
      `INSERT INTO login_lockouts AS l (username, address, failures) VALUES ($1, $2, 1)
       ON CONFLICT (username, address) DO UPDATE
         SET failures = CASE WHEN l.locked_until IS NOT NULL THEN 1 ELSE l.failures + 1 END,
             locked_until = NULL
       RETURNING failures`,
      [username, address],
    );
    if (row.failures < MAX_FAILED_LOGINS) return false;
    await this.lockouts.update({ username, address }, { failures: 0, lockedUntil: new Date(Date.now() + LOCKOUT_MS) });
    return true;
  }

  private async record(by: Acting, action: string, subject: string | null, detail: Record<string, unknown> = {}): Promise<void> {
    await this.dataSource.query('INSERT INTO audit_log (actor_id, action, subject, address, detail) VALUES ($1, $2, $3, $4, $5)', [
      by.personId,
      action,
      subject,
      by.address,
      JSON.stringify(detail),
    ]);
  }
}

function toPerson(row: PersonEntity): Person {
  return {
    id: row.id,
    username: row.username,
    displayName: row.displayName,
    role: row.role,
    units: row.units,
    disabled: row.disabledAt !== null,
    createdAt: row.createdAt.toISOString(),
  };
}
