import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

export const PERSON_ROLES = ['admin', 'writer', 'reader'] as const;
export type PersonRole = (typeof PERSON_ROLES)[number];

/** A person who logs in to the console (table `people`). */
@Entity({ name: 'people' })
export class PersonEntity {
  @PrimaryColumn('uuid')
  id!: string;

  /** Stored lower-case: `Admin` and `admin` are one person. */
  @Column('text', { unique: true })
  username!: string;

  @Column('text', { name: 'display_name' })
  displayName!: string;

  @Column('text')
  role!: PersonRole;

  /** Writers and readers may be limited to units; null means every unit. */
  @Column('text', { array: true, nullable: true })
  units!: string[] | null;

  @Column('text', { name: 'password_hash' })
  passwordHash!: string;

  @Column('timestamptz', { name: 'disabled_at', nullable: true })
  disabledAt!: Date | null;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt!: Date;
}

/** A logged-in session (table `sessions`): the cookie holds the token, the table its hash. */
@Entity({ name: 'sessions' })
export class SessionEntity {
  @PrimaryColumn('bytea', { name: 'token_hash' })
  tokenHash!: Buffer;

  @Column('uuid', { name: 'person_id' })
  personId!: string;

  @Column('text', { name: 'csrf_token' })
  csrfToken!: string;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'last_seen_at', default: () => 'now()' })
  lastSeenAt!: Date;

  @Column('timestamptz', { name: 'ended_at', nullable: true })
  endedAt!: Date | null;
}

/** Failed logins in a row for a username from an address (table `login_lockouts`). */
@Entity({ name: 'login_lockouts' })
export class LoginLockoutEntity {
  @PrimaryColumn('text')
  username!: string;

  @PrimaryColumn('text')
  address!: string;

  @Column('integer')
  failures!: number;

  @Column('timestamptz', { name: 'locked_until', nullable: true })
  lockedUntil!: Date | null;
}

/** One login, failed login, logout or admin action (table `audit_log`). */
@Entity({ name: 'audit_log' })
export class AuditEntryEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column('timestamptz', { default: () => 'now()' })
  at!: Date;

  /** The person who acted (null for a failed login by an unknown name). */
  @Column('text', { name: 'actor_id', nullable: true })
  actorId!: string | null;

  @Column('text')
  action!: string;

  /** Whom or what the action was about: a username. */
  @Column('text', { nullable: true })
  subject!: string | null;

  @Column('text', { nullable: true })
  address!: string | null;

  @Column('jsonb', { default: {} })
  detail!: Record<string, unknown>;
}

export const PEOPLE_ENTITIES = [PersonEntity, SessionEntity, LoginLockoutEntity, AuditEntryEntity];
