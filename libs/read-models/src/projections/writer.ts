import type { PoolClient } from 'pg';
import { quoteIdent as quote } from '../schema';

/** `"schema"."table"`: every identifier quoted, whatever schema a rebuild names. */
export function qualified(schema: string, table: string): string {
  return `${quote(schema)}.${quote(table)}`;
}

export interface TableRows {
  readonly schema: string;
  readonly table: string;
  /** `name type, …`, as jsonb_to_recordset takes them. */
  readonly columns: string;
  readonly rows: readonly Record<string, unknown>[];
  /** Upsert on this key (every other column updated), or with `ignoreConflicts` keep the row there. */
  readonly conflictKey?: string;
  readonly ignoreConflicts?: boolean;
}

/**
 * Writes rows into several tables in one statement (data-modifying WITH clauses), each table's
 * rows as one JSON parameter: one round trip per chunk, whatever it touches. Every projection
 * writes through here.
 */
export async function writeAll(client: PoolClient, tables: readonly TableRows[]): Promise<void> {
  const writes = tables.filter((t) => t.rows.length > 0);
  if (writes.length === 0) return;
  const statements = writes.map(({ schema, table, columns, conflictKey, ignoreConflicts }, i) => {
    const names = columns.split(',').map((c) => quote(c.trim().split(/\s+/)[0]));
    const typed = columns
      .split(',')
      .map((c) => {
        const [name, ...type] = c.trim().split(/\s+/);
        return `${quote(name)} ${type.join(' ')}`;
      })
      .join(', ');
    const key = conflictKey === undefined ? '' : quote(conflictKey);
    const onConflict =
      conflictKey === undefined
        ? ''
        : ignoreConflicts
          ? ` ON CONFLICT (${key}) DO NOTHING`
          : ` ON CONFLICT (${key}) DO UPDATE SET ${names
              .filter((n) => n !== key)
              .map((n) => `${n} = excluded.${n}`)
              .join(', ')}`;
    return `w${i} AS (INSERT INTO ${qualified(schema, table)} (${names.join(', ')}) SELECT ${names.join(', ')} FROM jsonb_to_recordset($${i + 1}::jsonb) AS x(${typed})${onConflict})`;
  });
  await client.query(
    `WITH ${statements.join(',\n')} SELECT 1`,
    writes.map((t) => JSON.stringify(t.rows)),
  );
}
