import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The read side reads its own models: outside the places that read the log by design — the
 * rebuild, a stream's history, the watermark (how far the projection is behind the store) and
 * the quality rules — no read query touches the `events` table and nothing constructs the event
 * store. A report that joined back into the store would attribute by record time again.
 */
const ROOT = join(__dirname, '..', '..', '..');
const READ_SIDE = ['libs/read-models/src', 'libs/read-api/src', 'apps/query-api/src'];
const READS_THE_LOG = new Set([
  'libs/read-models/src/rebuild.ts',
  'libs/read-models/src/history.ts',
  'libs/read-models/src/watermark.ts',
  'libs/read-models/src/quality-flags.ts',
  // Migrations fill new read-model columns from the store once, like a rebuild.
  'libs/read-models/src/migrations',
]);

const sources = (dir: string): string[] =>
  readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });

/** SQL naming the events table (FROM / JOIN events), or the store's class used as a value. */
const TOUCHES_THE_LOG = [
  /\b(from|join)\s+(public\.)?"?events"?(\s|$|`|\))/i,
  /new\s+PostgresEventStore\b/,
  /import\s*\{[^}]*\bPostgresEventStore\b[^}]*\}/,
];

describe('the read side reads its own models', () => {
  const files = READ_SIDE.flatMap(sources).map((path) => relative(ROOT, join(ROOT, path)));

  it('finds the read side', () => {
    expect(files).toContain('libs/read-models/src/kpi-changes.ts');
    expect(files).toContain('libs/read-api/src/revisions.ts');
  });

  it('no read query touches `events` outside rebuild, history, the watermark and the quality rules', () => {
    const offenders = files
      .filter((path) => ![...READS_THE_LOG].some((allowed) => path === allowed || path.startsWith(`${allowed}/`)))
      .filter((path) => {
        const text = readFileSync(join(ROOT, path), 'utf8');
        return TOUCHES_THE_LOG.some((pattern) => pattern.test(text));
      });
    expect(offenders).toEqual([]);
  });

  it('the check sees a query on the store', () => {
    const query = 'SELECT e.event_id FROM x JOIN events e ON e.stream_id = 1';
    expect(TOUCHES_THE_LOG.some((pattern) => pattern.test(query))).toBe(true);
    expect(TOUCHES_THE_LOG.some((pattern) => pattern.test("import { PostgresEventStore, type X } from '@app/event-store';"))).toBe(true);
    expect(TOUCHES_THE_LOG.some((pattern) => pattern.test('the events recorded in (from, to] are taken'))).toBe(false);
  });
});
