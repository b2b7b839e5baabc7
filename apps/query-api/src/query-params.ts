import { checkBusinessTime, isUuid, type Period } from '@app/domain';
import { ApiError } from '@app/platform';

type Query = Record<string, string | undefined>;
type Issue = { field: string; message: string };

/** Query-string readers that collect every bad parameter, so one 400 names them all. */
export class QueryParams {
  private readonly issues: Issue[] = [];

  constructor(private readonly query: Query) {}

  int(name: string, min: number, max: number, required = false): number | undefined {
    const raw = this.query[name];
    if (raw === undefined || raw === '') {
      if (required) this.issues.push({ field: name, message: 'is required' });
      return undefined;
    }
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || value < min || value > max) {
      this.issues.push({ field: name, message: `must be an integer from ${min} to ${max}` });
      return undefined;
    }
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], required = false): T | undefined {
    const raw = this.query[name];
    if (raw === undefined || raw === '') {
      if (required) this.issues.push({ field: name, message: `is required: one of ${allowed.join(', ')}` });
      return undefined;
    }
    if (!(allowed as readonly string[]).includes(raw)) {
      this.issues.push({ field: name, message: `must be one of: ${allowed.join(', ')}` });
      return undefined;
    }
    return raw as T;
  }

  text(name: string, pattern: RegExp, message: string): string | undefined {
    const raw = this.query[name];
    if (raw === undefined || raw === '') return undefined;
    if (!pattern.test(raw)) this.issues.push({ field: name, message });
    return raw;
  }

  /** A uuid (ids, cursors). */
  uuid(name: string, message = 'must be a UUID'): string | undefined {
    const raw = this.query[name];
    if (raw === undefined || raw === '') return undefined;
    if (!isUuid(raw)) this.issues.push({ field: name, message });
    return raw.toLowerCase();
  }

  /** An instant with an offset (asOf): a real calendar instant from 2000-01-01 to 24 h after the server clock, as business times are. */
  instant(name: string): Date | null {
    const raw = this.query[name];
    if (raw === undefined || raw === '') return null;
    const checked = checkBusinessTime(raw, new Date());
    if (!checked.ok) {
      this.issues.push({ field: name, message: checked.message });
      return null;
    }
    return new Date(checked.instant);
  }

  /** `year` (the plan's year when absent), with an optional `quarter` or `month`. */
  period(defaultYear: number): Period {
    const year = this.int('year', 2000, 2100) ?? defaultYear;
    const quarter = this.int('quarter', 1, 4);
    const month = this.int('month', 1, 12);
    if (quarter !== undefined && month !== undefined) this.issues.push({ field: 'month', message: 'give a quarter or a month, not both' });
    if (quarter !== undefined) return { kind: 'quarter', year, quarter: quarter as 1 | 2 | 3 | 4 };
    if (month !== undefined) return { kind: 'month', year, month };
    return { kind: 'year', year };
  }

  minPosition(): number | undefined {
    return this.int('minPosition', 0, Number.MAX_SAFE_INTEGER);
  }

  /** Throws the 400 naming every bad parameter, if any. */
  check(): void {
    if (this.issues.length > 0) {
      throw ApiError.of(400, 'invalid_input', `invalid query: ${this.issues.map((i) => i.field).join(', ')}`, this.issues);
    }
  }
}
