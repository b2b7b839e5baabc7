import { KPI_STATUS_NAMES, type ReferenceCatalog } from '@app/domain';
import type { KpiResult } from './kpis';

const HEADER = ['指标代码', '指标名称', '范围代码', '范围', '期间', '实际值', '初报值', '修订值', '目标值', '比较', '完成进度', '状态'];

/** A result with, for a closed period, what was reported at the close and what has moved since (else empty). */
type CsvResult = KpiResult & { readonly reported?: number | null; readonly restated?: number | null };

/**
 * KPI results as CSV for spreadsheets: UTF-8 with a byte-order mark (so Excel and WPS read
 * the Chinese right), CRLF line ends, every text field quoted.
 */
export function kpisToCsv(results: readonly CsvResult[], reference: ReferenceCatalog, cityName: string): string {
  const lines = [HEADER.map(quote).join(',')];
  for (const r of results) {
    const scopeName = r.scope === 'city' ? cityName || '全市' : (reference.units.get(r.scope)?.name ?? r.scope);
    lines.push(
      [
        quote(r.code),
        quote(r.label),
        quote(r.scope),
        quote(scopeName),
        quote(r.period),
        number(r.actual),
        number(r.reported ?? null),
        number(r.restated ?? null),
        number(r.target),
        quote(r.comparator ?? ''),
        r.progress === null ? '' : r.progress.toFixed(4),
        quote(r.status === null ? '' : KPI_STATUS_NAMES[r.status]),
      ].join(','),
    );
  }
  return '\uFEFF' + lines.join('\r\n') + '\r\n';
}

const quote = (text: string) => `"${text.replace(/"/g, '""')}"`;
const number = (value: number | null) => (value === null ? '' : String(value));
