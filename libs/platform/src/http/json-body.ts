import { unstorableTextProblem, type FieldIssue } from '@app/domain';

/** Deepest nesting of objects and arrays a request body may have (contract §6). */
export const MAX_BODY_DEPTH = 32;

/**
 * Checks a parsed JSON body once, before anything reads it: nesting no deeper than
 * MAX_BODY_DEPTH, and no string (value or key) that could never be stored. Walks without
 * recursion, so a body nested 100,000 deep costs no stack. Returns the first issues found
 * (at most a few: a hostile body may hold millions).
 */
export function jsonBodyIssues(body: unknown): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: body, path: '', depth: 0 }];
  while (stack.length > 0 && issues.length < 10) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      const problem = unstorableTextProblem(value);
      if (problem) issues.push({ field: path || 'body', message: problem });
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_BODY_DEPTH) {
      issues.push({ field: path || 'body', message: `nests deeper than ${MAX_BODY_DEPTH} levels` });
      continue;
    }
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    for (const [key, child] of entries) {
      const keyProblem = unstorableTextProblem(key);
      const childPath = path ? `${path}.${printable(key)}` : printable(key);
      if (keyProblem) issues.push({ field: childPath, message: `(a key) ${keyProblem}` });
      else stack.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
  return issues;
}

/** A field path that can itself be answered in JSON and logged. */
function printable(key: string): string {
  return key.replace(/[\u0000-\u001f\ud800-\udfff]/g, '\ufffd');
}
