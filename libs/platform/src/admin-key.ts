import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The development admin key: generated once into `file` (readable by its owner only) and
 * read from there afterwards, so it survives restarts and is never printed or logged.
 * Several processes starting at once agree on one key (the first to create the file wins).
 * Production sets ADMIN_API_KEY instead.
 */
export function adminKeyFromFile(file: string): string {
  mkdirSync(dirname(file), { recursive: true });
  try {
    writeFileSync(file, randomBytes(24).toString('base64url'), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readFileSync(file, 'utf8').trim();
}
