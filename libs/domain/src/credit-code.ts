/**
 * Unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from a
 * 31-character alphabet (no I, O, Z, S, V); the last one is a check character computed
 * from the first 17 with weights 3^i mod 31.
 */
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** The check character for the first 17 characters, or null if one is outside the alphabet. */
export function creditCodeCheckCharacter(first17: string): string | null {
  if (first17.length !== 17) return null;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = ALPHABET.indexOf(first17[i]);
    if (value < 0) return null;
    sum += value * WEIGHTS[i];
  }
  return ALPHABET[(31 - (sum % 31)) % 31];
}

/** Upper-cased and trimmed, as stored. */
export function normalizeCreditCode(code: string): string {
  return code.trim().toUpperCase();
}

export function isValidCreditCode(code: string): boolean {
  const normalized = normalizeCreditCode(code);
  if (normalized.length !== 18) return false;
  return creditCodeCheckCharacter(normalized.slice(0, 17)) === normalized[17];
}
