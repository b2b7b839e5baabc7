import { unstorableTextProblem, type FieldIssue } from '@app/domain';

/** Deepest nesting of objects and arrays a request body may have (contract §6). */
export const MAX_BODY_DEPTH = 32;

/** A value still to look at: where it is (its parent and key, to name it only if it is bad) and how deep. */
interface Pending {
  readonly value: unknown;
  readonly depth: number;
  readonly parent: Pending | null;
  readonly key: string;
}

/**
 * Checks a parsed JSON body once, before anything reads it: nesting no deeper than
 * MAX_BODY_DEPTH, and no string (value or key) that could never be stored. Walks without
 * recursion, so a body nested 100,000 deep costs no stack, and names a value's path only
 * when it is bad (a 1,000-command batch has some 30,000 values). Returns the first issues
 * found (at most a few: a hostile body may hold millions).
 */
export function jsonBodyIssues(body: unknown): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const stack: Pending[] = [{ value: body, depth: 0, parent: null, key: '' }];
  while (stack.length > 0 && issues.length < 10) {
    const pending = stack.pop()!;
    const { value, depth } = pending;
    if (typeof value === 'string') {
      const problem = unstorableTextProblem(value);
      if (problem) issues.push({ field: pathOf(pending), message: problem });
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_BODY_DEPTH) {
      issues.push({ field: pathOf(pending), message: `nests deeper than ${MAX_BODY_DEPTH} levels` });
      continue;
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) stack.push({ value: value[i], depth: depth + 1, parent: pending, key: String(i) });
      continue;
    }
    for (const key in value) {
      const child: Pending = { value: (value as Record<string, unknown>)[key], depth: depth + 1, parent: pending, key };
      const problem = unstorableTextProblem(key);
      if (problem) issues.push({ field: pathOf(child), message: `(a key) ${problem}` });
      else stack.push(child);
    }
  }
  return issues;
}

/** The dotted path of a value, printable (characters that cannot be shown become U+FFFD). */
function pathOf(pending: Pending): string {
  const keys: string[] = [];
  // eslint-disable-next-line no-control-regex -- control characters and surrogates are what is replaced
  for (let p: Pending | null = pending; p && p.parent; p = p.parent) keys.push(p.key.replace(/[\u0000-\u001f\ud800-\udfff]/g, '\ufffd'));
  return keys.reverse().join('.') || 'body';
}
