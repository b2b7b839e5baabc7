import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Pool } from 'pg';
import { LruMap } from '../lru-map';

export const ROLES = ['admin', 'writer', 'partner', 'reader'] as const;
export type Role = (typeof ROLES)[number];

/** The caller, as its API key says. */
export interface Principal {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  /** Writers only: the units it may write for; null means every unit. */
  readonly units: readonly string[] | null;
  /** Partners only. */
  readonly partnerId: string | null;
}

export interface ApiKeyInfo extends Principal {
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

export interface NewApiKey {
  readonly name: string;
  readonly role: Role;
  readonly units?: readonly string[];
  readonly partnerId?: string;
}

export const ADMIN_PRINCIPAL_ID = 'admin';

/** How long a looked-up key is trusted without asking the database again (revocation elsewhere takes this long). */
const CACHE_MS = 5_000;
/** Looked-up keys remembered at most (unknown ones included): the oldest go first. */
const CACHE_ENTRIES = 10_000;

const hashKey = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

/**
 * API keys: the admin key comes from the environment, the others are created by an admin
 * and stored as SHA-256 hashes (they are 256-bit random, so a fast hash is enough).
 */
export class ApiKeys {
  private readonly adminHash: Buffer;
  private readonly cache = new LruMap<string, { principal: Principal | null; until: number }>(CACHE_ENTRIES);

  constructor(
    private readonly pool: Pool,
    adminKey: string,
  ) {
    this.adminHash = hashKey(adminKey);
  }

  async authenticate(key: string): Promise<Principal | null> {
    const hash = hashKey(key);
    if (timingSafeEqual(hash, this.adminHash)) {
      return { id: ADMIN_PRINCIPAL_ID, name: 'admin (environment)', role: 'admin', units: null, partnerId: null };
    }
    const cacheKey = hash.toString('hex');
    const cached = this.cache.get(cacheKey);
    if (cached && cached.until > Date.now()) return cached.principal;
    const { rows } = await this.pool.query(
      'SELECT id, name, role, units, partner_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL',
      [hash],
    );
    const principal = rows.length === 0 ? null : toPrincipal(rows[0]);
    this.cache.set(cacheKey, { principal, until: Date.now() + CACHE_MS });
    return principal;
  }

  /** Returns the secret once; only its hash is kept. */
  async create(input: NewApiKey): Promise<ApiKeyInfo & { key: string }> {
    const key = `ipk_${randomBytes(32).toString('base64url')}`;
    const { rows } = await this.pool.query(
      `INSERT INTO api_keys (id, name, role, units, partner_id, key_hash) VALUES ($1, $2, $3, $4, $5, $6)
       RETURNING id, name, role, units, partner_id, created_at, revoked_at`,
      [randomUUID(), input.name, input.role, input.units ?? null, input.partnerId ?? null, hashKey(key)],
    );
    return { ...toInfo(rows[0]), key };
  }

  async list(): Promise<ApiKeyInfo[]> {
    const { rows } = await this.pool.query(
      'SELECT id, name, role, units, partner_id, created_at, revoked_at FROM api_keys ORDER BY created_at, id',
    );
    return rows.map(toInfo);
  }

  /** False when there is no such key or it was revoked already. */
  async revoke(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id]);
    this.cache.clear();
    return rowCount === 1;
  }
}

function toPrincipal(row: Record<string, unknown>): Principal {
  return {
    id: row.id as string,
    name: row.name as string,
    role: row.role as Role,
    units: (row.units as string[] | null) ?? null,
    partnerId: (row.partner_id as string | null) ?? null,
  };
}

function toInfo(row: Record<string, unknown>): ApiKeyInfo {
  return {
    ...toPrincipal(row),
    createdAt: (row.created_at as Date).toISOString(),
    revokedAt: row.revoked_at ? (row.revoked_at as Date).toISOString() : null,
  };
}
