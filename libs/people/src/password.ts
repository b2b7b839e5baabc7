import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Passwords are kept as scrypt hashes (memory-hard: each guess costs 32 MiB of memory as
 * well as time), in one self-describing string: `scrypt$N$r$p$salt$hash` (base64url), so
 * that the cost can be raised later without losing the hashes made before.
 */
const COST = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** scrypt needs 128·N·r bytes; Node refuses above maxmem, whose default (32 MiB) is exactly this. */
const MAX_MEMORY = 64 * 1024 * 1024;

/** The longest password accepted: a longer one is not a password but an attempt to make hashing expensive. */
export const MAX_PASSWORD_LENGTH = 200;
export const MIN_PASSWORD_LENGTH = 10;

function derive(password: string, salt: Buffer, cost: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, { ...cost, maxmem: MAX_MEMORY }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, COST);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** True when `password` is the one `stored` was made from; false for any other password or a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Distinct characters a new password needs: `aaaaaaaaaa` or `abababab…` is no password. */
export const MIN_DISTINCT_CHARACTERS = 4;

/** The password rule, in the words shown beside a password field. */
export const PASSWORD_RULE = `密码须为 ${MIN_PASSWORD_LENGTH}–${MAX_PASSWORD_LENGTH} 个字符，至少含 ${MIN_DISTINCT_CHARACTERS} 个不同字符，且不得包含用户名`;

/**
 * Why a new password for `username` is refused, or null: 10 to 200 characters (a long
 * passphrase beats any rule on character classes), at least 4 distinct ones, and not
 * containing the username (case-insensitive). Each message names the rule it breaks.
 */
export function passwordProblem(password: unknown, username: string): string | null {
  if (typeof password !== 'string') return '密码必须是文字';
  const characters = [...password.normalize('NFC')];
  if (characters.length < MIN_PASSWORD_LENGTH) return `密码至少 ${MIN_PASSWORD_LENGTH} 个字符`;
  if (characters.length > MAX_PASSWORD_LENGTH) return `密码至多 ${MAX_PASSWORD_LENGTH} 个字符`;
  if (new Set(characters).size < MIN_DISTINCT_CHARACTERS) return `密码至少含 ${MIN_DISTINCT_CHARACTERS} 个不同的字符`;
  const name = username.trim().toLowerCase();
  if (name !== '' && password.toLowerCase().includes(name)) return '密码不得包含用户名';
  return null;
}

/** A password for a first admin or a reset: 20 characters of base64url (about 120 bits) that meets the rule for `username`. */
export function generatePassword(username: string): string {
  for (;;) {
    const password = randomBytes(15).toString('base64url');
    if (passwordProblem(password, username) === null) return password;
  }
}
