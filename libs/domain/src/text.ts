/**
 * What a stored text may hold (contract §6). PostgreSQL cannot store NUL in `text` and refuses
 * unpaired surrogates in `jsonb`; control characters have no place in a name. So text is
 * checked here, before any command reaches a shared transaction, where one bad value would
 * fail every append committed with it.
 */

// Unicode category Cc: C0 controls, DEL and the C1 controls. (Matching control characters is the point.)
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_LINE_BREAKS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
/** A character a reader can see: neither white space nor a format character (Cf, e.g. U+200B). */
const VISIBLE = /[^\s\p{Cf}]/u;

/** Can never be stored anywhere (any string of a request, keys included): NUL or an unpaired surrogate. */
export function unstorableTextProblem(value: string): string | null {
  if (value.includes('\u0000')) return 'must not contain the NUL character';
  // String.prototype.isWellFormed (ES2024, in Node 20): false exactly when a surrogate is unpaired.
  if (!(value as unknown as { isWellFormed(): boolean }).isWellFormed()) return 'must not contain an unpaired UTF-16 surrogate';
  return null;
}

export interface TextRules {
  /** Tab and line breaks allowed (`note`, `reason`). */
  readonly multiline?: boolean;
}

/** Why a text field's value is refused, or null when it is fine. */
export function textProblem(value: string, rules: TextRules = {}): string | null {
  const unstorable = unstorableTextProblem(value);
  if (unstorable) return unstorable;
  if ((rules.multiline ? CONTROL_BUT_LINE_BREAKS : CONTROL).test(value)) {
    return rules.multiline ? 'must not contain control characters other than tab and line breaks' : 'must not contain control characters';
  }
  if (!VISIBLE.test(value)) return 'must contain at least one visible character';
  return null;
}
