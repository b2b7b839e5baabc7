import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { IsNull, type Repository } from 'typeorm';
import { LruMap } from '../lru-map';
import { ApiKeyEntity } from './api-key.entity';

import type { Role } from './roles';

/** The caller, as its API key says. */
export interface Principal {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  /** Writers only: the units it may write for; null means every unit. */
  readonly units: readonly string[] | null;
  /** Partners only. */
  readonly partnerId: string | null;
  /** A person logged in to the console (their events' actor is `{kind: 'user'}`), else an API key. */
  readonly kind?: 'key' | 'user';
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
    private readonly keys: Repository<ApiKeyEntity>,
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
    const row = await this.keys.findOneBy({ keyHash: hash, revokedAt: IsNull() });
    const principal = row ? toPrincipal(row) : null;
    this.cache.set(cacheKey, { principal, until: Date.now() + CACHE_MS });
    return principal;
  }

  /** Returns the secret once; only its hash is kept. */
  async create(input: NewApiKey): Promise<ApiKeyInfo & { key: string }> {
    const key = `ipk_${randomBytes(32).toString('base64url')}`;
    const row = this.keys.create({
      id: randomUUID(),
      name: input.name,
      role: input.role,
      units: input.units ? [...input.units] : null,
      partnerId: input.partnerId ?? null,
      keyHash: hashKey(key),
      revokedAt: null,
    });
    // created_at is the database's clock; the insert reads it back into the row.
    await this.keys.insert(row);
    return { ...toInfo(row), key };
  }

  async list(): Promise<ApiKeyInfo[]> {
    const rows = await this.keys.find({ order: { createdAt: 'ASC', id: 'ASC' } });
    return rows.map(toInfo);
  }

  /** False when there is no such key or it was revoked already. */
  async revoke(id: string): Promise<boolean> {
    const { affected } = await this.keys.update({ id, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
    this.cache.clear();
    return affected === 1;
  }
}

function toPrincipal(row: ApiKeyEntity): Principal {
  return { id: row.id, name: row.name, role: row.role, units: row.units ?? null, partnerId: row.partnerId ?? null };
}

function toInfo(row: ApiKeyEntity): ApiKeyInfo {
  return { ...toPrincipal(row), createdAt: row.createdAt.toISOString(), revokedAt: row.revokedAt?.toISOString() ?? null };
}
