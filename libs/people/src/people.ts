import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { IsNull, type DataSource, type Repository } from 'typeorm';
import { LruMap } from '@app/platform';
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

/**
 * Why a password guess (a login, or the current password of a change) was refused: a wrong
 * password (answered after `delayMs`), the username locked for the address, or too many
 * failures from the address. The HTTP edge waits `delayMs` before answering.
 */
export type GuessRefusal =
  | { readonly ok: false; readonly reason: 'invalid'; readonly delayMs: number }
  | { readonly ok: false; readonly reason: 'locked'; readonly lockedUntil: string; readonly delayMs: number }
  | { readonly ok: false; readonly reason: 'rate_limited'; readonly retryAfterSeconds: number; readonly delayMs: 0 };

export type LoginOutcome =
  { readonly ok: true; readonly person: Person; readonly token: string; readonly csrfToken: string } | GuessRefusal;

export type PasswordChangeOutcome = { readonly ok: true } | GuessRefusal;

/** An account as 用户管理 lists it: locked when a lock-out holds it from some address. */
export type Account = Person & { readonly locked: boolean };

/** What the audit log records (its `action`, the `kind` it is filtered by). */
export const AUDIT_KINDS = [
  'login',
  'login_failed',
  'login_locked',
  'login_rate_limited',
  'logout',
  'create_person',
  'disable_person',
  'enable_person',
  'reset_password',
  'change_password',
  'change_password_failed',
  'change_password_locked',
  'change_password_rate_limited',
  'unlock',
] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

export interface AuditEntry {
  readonly id: string;
  readonly at: string;
  /** The username of the person who acted (null: nobody logged in, e.g. a failed login). */
  readonly actor: string | null;
  readonly action: AuditKind;
  readonly subject: string | null;
  readonly address: string | null;
  readonly detail: Record<string, unknown>;
}

/** A page of the audit log, newest first: `person` matches the actor's or the subject's username; from ≤ at < to. */
export interface AuditQuery {
  readonly kind?: AuditKind;
  readonly person?: string;
  readonly from?: Date;
  readonly to?: Date;
  /** nextCursor of the previous page. */
  readonly cursor?: string;
  readonly limit: number;
}

export interface SessionView {
  readonly person: Person;
  readonly csrfToken: string;
}

/** Failed logins in a row from one address that lock the account for that address. */
export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_MS = 15 * 60_000;
/** Failed logins (any usernames) from one address within a minute; the next attempt that minute answers 429. */
export const ADDRESS_FAILURES_PER_MINUTE = 30;
/** A wrong password is answered after this delay, doubled at each failure in a row, at most MAX_FAILURE_DELAY_MS. */
export const FIRST_FAILURE_DELAY_MS = 250;
export const MAX_FAILURE_DELAY_MS = 5_000;
/** A session unused this long is over. */
export const SESSION_IDLE_MS = 8 * 60 * 60_000;
/** A session this old is over, however busy. */
export const SESSION_MAX_MS = 24 * 60 * 60_000;
/** How often a console clears the address failures older than a minute. */
const PURGE_EVERY_MS = 60_000;
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
  private purgedAt = 0;
  /**
   * Addresses this console found past their limit, until when: their further attempts are
   * refused without a query, so that a flood costs the database nothing (nor the logins of
   * others their connections). Only the first refusal of a block is recorded.
   */
  private readonly blockedAddresses = new LruMap<string, number>(100_000);

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

  async list(): Promise<Account[]> {
    const [rows, locked] = await Promise.all([
      this.people.find({ order: { createdAt: 'ASC', username: 'ASC' } }),
      this.dataSource.query(`SELECT DISTINCT username FROM login_lockouts WHERE locked_until > now()`),
    ]);
    const lockedNames = new Set((locked as Array<{ username: string }>).map((r) => r.username));
    return rows.map((row) => ({ ...toPerson(row), locked: lockedNames.has(row.username) }));
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

  /**
   * A person changes their own password (knowing the current one): their other sessions end. A
   * wrong current password is a guess like a failed login: delayed, counted towards the lock-out
   * of the username for the address and the address's limit, and recorded.
   */
  async changeOwnPassword(id: string, current: string, password: string, keepToken: string, by: Acting): Promise<PasswordChangeOutcome> {
    const person = await this.people.findOneByOrFail({ id });
    const outcome = await this.guess('change_password', person.username, by.address, async () =>
      (await verifyPassword(current, person.passwordHash)) ? person : null,
    );
    if (!outcome.ok) return outcome;
    await this.replacePassword(id, password, hashToken(keepToken));
    await this.record(by, 'change_password', person.username);
    return { ok: true };
  }

  /** The seconds until an address this console found past its login limit may try again; 0 when it may now (as far as this console knows). */
  blockedFor(address: string): number {
    const blockedUntil = this.blockedAddresses.get(address) ?? 0;
    return blockedUntil > Date.now() ? Math.ceil((blockedUntil - Date.now()) / 1000) : 0;
  }

  /** The username of a person, for the password rule. */
  async usernameOf(id: string): Promise<string | null> {
    return (await this.people.findOneBy({ id }))?.username ?? null;
  }

  /** Lifts every lock-out of a username (from any address). */
  async unlock(username: string, by: Acting): Promise<void> {
    await this.lockouts.delete({ username: normalizeUsername(username) });
    await this.record(by, 'unlock', normalizeUsername(username));
  }

  /**
   * Logs in from `address`: a new session, or why not. Past the address's limit nothing is
   * checked; while the username is locked for that address the password is not even checked;
   * a wrong one counts towards the lock.
   */
  async login(usernameAsTyped: string, password: string, address: string): Promise<LoginOutcome> {
    const username = normalizeUsername(usernameAsTyped);
    const outcome = await this.guess('login', username, address, async (person) => {
      const matches = await verifyPassword(password, person?.passwordHash ?? (await DECOY_HASH));
      return person !== null && matches && person.disabledAt === null ? person : null;
    });
    if (!outcome.ok) return outcome;
    const admitted = outcome.person;
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    await this.sessions.insert({ tokenHash: hashToken(token), personId: admitted.id, csrfToken, endedAt: null });
    await this.record({ personId: admitted.id, address }, 'login', username);
    return { ok: true, person: toPerson(admitted), token, csrfToken };
  }

  /**
   * One password guess for `username` from `address` (contract §6 "Logins"), `check` answering
   * the person (looked up by the username) when it is right. The attempt is counted as a failure of the address before the check
   * and forgiven when right: counted first, so that a burst sent at once is held to the limit
   * too (each attempt counts after its own row is committed, so the 31st to count sees 31).
   * Every refusal is recorded as `<what>_failed`, `_locked` or `_rate_limited`.
   */
  private async guess(
    what: 'login' | 'change_password',
    username: string,
    address: string,
    check: (person: PersonEntity | null) => Promise<PersonEntity | null>,
  ): Promise<{ readonly ok: true; readonly person: PersonEntity } | GuessRefusal> {
    const blockedFor = this.blockedFor(address);
    if (blockedFor > 0) return { ok: false, reason: 'rate_limited', retryAfterSeconds: blockedFor, delayMs: 0 };
    await this.purgeOldFailures();
    const [{ id: failureId }] = await this.dataSource.query('INSERT INTO login_address_failures (address) VALUES ($1) RETURNING id', [
      address,
    ]);
    const [window] = await this.dataSource.query(
      `SELECT count(*)::int AS failures, ceil(extract(epoch FROM min(at) + interval '1 minute' - now()))::int AS wait
         FROM login_address_failures WHERE address = $1 AND at > now() - interval '1 minute'`,
      [address],
    );
    const person = await this.people.findOneBy({ username });
    const by = { personId: person?.id ?? null, address };
    if (window.failures > ADDRESS_FAILURES_PER_MINUTE) {
      // A refused attempt is no failure: the address is free again a minute after the failures that filled it.
      await this.dataSource.query('DELETE FROM login_address_failures WHERE id = $1', [failureId]);
      const retryAfterSeconds = Math.max(1, window.wait);
      this.blockedAddresses.set(address, Date.now() + retryAfterSeconds * 1000);
      await this.record(by, `${what}_rate_limited`, username, { retryAfterSeconds });
      return { ok: false, reason: 'rate_limited', retryAfterSeconds, delayMs: 0 };
    }
    const lock = await this.lockouts.findOneBy({ username, address });
    if (lock?.lockedUntil && lock.lockedUntil.getTime() > Date.now()) {
      await this.record(by, `${what}_locked`, username);
      return { ok: false, reason: 'locked', lockedUntil: lock.lockedUntil.toISOString(), delayMs: 0 };
    }
    const admitted = await check(person);
    if (admitted) {
      await this.dataSource.query('DELETE FROM login_address_failures WHERE id = $1', [failureId]);
      await this.lockouts.delete({ username, address });
      return { ok: true, person: admitted };
    }
    const { failures, lockedUntil } = await this.countFailure(username, address);
    const delayMs = Math.min(MAX_FAILURE_DELAY_MS, FIRST_FAILURE_DELAY_MS * 2 ** (failures - 1));
    await this.record(by, `${what}_failed`, username, { failures, locked: lockedUntil !== null });
    return lockedUntil
      ? { ok: false, reason: 'locked', lockedUntil: lockedUntil.toISOString(), delayMs }
      : { ok: false, reason: 'invalid', delayMs };
  }

  /** The session of a cookie's token: null when unknown, ended, idle too long, too old, or its person disabled. */
  async session(token: string): Promise<SessionView | null> {
    // One round trip: every console request asks. The idle limit is the database's clock, as last_seen_at is.
    const [row] = await this.dataSource.query(
      `SELECT p.id, p.username, p.display_name, p.role, p.units, p.created_at, s.csrf_token,
              s.last_seen_at < now() - $3 * interval '1 millisecond' AS touch
         FROM sessions s JOIN people p ON p.id = s.person_id
        WHERE s.token_hash = $1 AND s.ended_at IS NULL AND s.last_seen_at > now() - $2 * interval '1 millisecond'
          AND s.created_at > now() - $4 * interval '1 millisecond' AND p.disabled_at IS NULL`,
      [hashToken(token), SESSION_IDLE_MS, TOUCH_EVERY_MS, SESSION_MAX_MS],
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

  /** A page of the audit log, newest first, with the actor's username; `nextCursor` continues after its last entry. */
  async auditLog(query: AuditQuery): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
    const params: unknown[] = [];
    const where: string[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    if (query.kind) where.push(`a.action = ${param(query.kind)}`);
    if (query.person) {
      const name = param(normalizeUsername(query.person));
      where.push(`(a.subject = ${name} OR a.actor_id = (SELECT id::text FROM people WHERE username = ${name}))`);
    }
    if (query.from) where.push(`a.at >= ${param(query.from)}`);
    if (query.to) where.push(`a.at < ${param(query.to)}`);
    if (query.cursor) where.push(`a.id < ${param(query.cursor)}`);
    const rows: Array<Omit<AuditEntry, 'at'> & { at: Date }> = await this.dataSource.query(
      `SELECT a.id::text AS id, a.at, p.username AS actor, a.action, a.subject, a.address, a.detail
         FROM audit_log a LEFT JOIN people p ON p.id::text = a.actor_id
        ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY a.id DESC LIMIT ${param(query.limit + 1)}`,
      params,
    );
    const items = rows.slice(0, query.limit).map((r) => ({ ...r, at: r.at.toISOString() }));
    return { items, nextCursor: rows.length > query.limit ? items[items.length - 1].id : null };
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

  /** Counts a failed guess: the failures in a row (the one that locks included), and until when it locks the username for the address. */
  private async countFailure(username: string, address: string): Promise<{ failures: number; lockedUntil: Date | null }> {
    const [row] = await this.dataSource.query(
      `INSERT INTO login_lockouts AS l (username, address, failures) VALUES ($1, $2, 1)
       ON CONFLICT (username, address) DO UPDATE
         SET failures = CASE WHEN l.locked_until IS NOT NULL THEN 1 ELSE l.failures + 1 END,
             locked_until = NULL
       RETURNING failures`,
      [username, address],
    );
    if (row.failures < MAX_FAILED_LOGINS) return { failures: row.failures, lockedUntil: null };
    const lockedUntil = new Date(Date.now() + LOCKOUT_MS);
    await this.lockouts.update({ username, address }, { failures: 0, lockedUntil });
    return { failures: row.failures, lockedUntil };
  }

  /** Address failures older than the minute they count in, cleared by each console at most once a minute. */
  private async purgeOldFailures(): Promise<void> {
    if (Date.now() - this.purgedAt < PURGE_EVERY_MS) return;
    this.purgedAt = Date.now();
    await this.dataSource.query(`DELETE FROM login_address_failures WHERE at < now() - interval '1 minute'`);
  }

  private async record(by: Acting, action: AuditKind, subject: string | null, detail: Record<string, unknown> = {}): Promise<void> {
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
