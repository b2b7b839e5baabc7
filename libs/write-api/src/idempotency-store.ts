import type { Pool, PoolClient } from 'pg';
import type { Answer } from '@app/platform';

/** The first answer to an idempotency key, and the fingerprint of the request it answered. */
export interface Remembered {
  readonly fingerprint: string;
  readonly answer: Answer;
}

/** An answer to store under its key. */
export interface ToRemember extends Remembered {
  readonly key: string;
}

/**
 * Idempotency answers, per API key: read before deciding, stored in the same transaction as
 * the events they answer for (so an answer exists exactly when its events do).
 */
export class IdempotencyStore {
  constructor(private readonly pool: Pool) {}

  async find(principalId: string, keys: readonly string[]): Promise<Map<string, Remembered>> {
    const remembered = new Map<string, Remembered>();
    if (keys.length === 0) return remembered;
    const { rows } = await this.pool.query(
      'SELECT key, request_hash, status, body FROM idempotency_keys WHERE principal = $1 AND key = ANY($2::text[])',
      [principalId, keys],
    );
    for (const row of rows) remembered.set(row.key, { fingerprint: row.request_hash, answer: { status: row.status, body: row.body } });
    return remembered;
  }

  /** Stores answers within the transaction of `client`. */
  async store(client: PoolClient, principalId: string, answers: readonly ToRemember[]): Promise<void> {
    if (answers.length === 0) return;
    await client.query(
      `INSERT INTO idempotency_keys (principal, key, request_hash, status, body)
       SELECT $1, k, h, s, b FROM unnest($2::text[], $3::text[], $4::smallint[], $5::jsonb[]) AS t(k, h, s, b)`,
      [
        principalId,
        answers.map((a) => a.key),
        answers.map((a) => a.fingerprint),
        answers.map((a) => a.answer.status),
        answers.map((a) => JSON.stringify(a.answer.body)),
      ],
    );
  }

  /** Two requests with the same new key raced; the loser retries and finds the winner's answer. */
  static isRace(error: unknown): boolean {
    const pgError = error as { code?: string; constraint?: string };
    return pgError.code === '23505' && pgError.constraint === 'idempotency_keys_pkey';
  }
}
