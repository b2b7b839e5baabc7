import type { AmountUnit } from './table';
import type { RawCell } from './xlsx';

/**
 * The cells of a ledger as offices type them, turned into what is stored — or refused with the
 * value as typed and the form that would be accepted. Amounts: full-width digits, thousands
 * separators, decimals (rounded to whole 万元, with a note), 亿元 converted exactly (decimal
 * arithmetic, never floating point). Times: 2025年3月5日, 2025.3.5, 2025/3/5, 2025-03-05 and Excel
 * dates, with an optional time; without an offset they are Asia/Shanghai.
 */

export type Parsed<T> = { readonly ok: true; readonly value: T; readonly note?: string } | { readonly ok: false; readonly reason: string };

/** A cell as the person typed it, for messages. */
export function asTyped(cell: RawCell | undefined): string {
  if (cell === undefined) return '';
  if (typeof cell === 'object') return shanghaiText(excelDateIso(cell.excelDate));
  if (typeof cell === 'boolean') return cell ? 'TRUE' : 'FALSE';
  return String(cell).trim();
}

/** 1234567 → "1,234,567". */
export const groupDigits = (n: number): string => {
  const [whole, fraction] = String(Math.abs(n)).split('.');
  return `${n < 0 ? '-' : ''}${whole.replace(/\B(?=(\d{3})+$)/g, ',')}${fraction ? `.${fraction}` : ''}`;
};

/** The plain decimal digits of a number as Excel stored it (its shortest round-trip form). */
function decimalOf(n: number): string | null {
  if (!Number.isFinite(n)) return null;
  const text = String(n);
  if (!/e/i.test(text)) return text;
  if (Math.abs(n) >= 1e21) return null;
  return n.toFixed(20).replace(/\.?0+$/, '');
}

const AMOUNT_TEXT = /^[+-]?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$/;

/**
 * An amount cell in 万元: its column's unit converted (1 亿元 = 10,000 万元), then rounded half up
 * to a whole 万元 (with a note saying so).
 */
export function ledgerAmount(cell: RawCell, unit: AmountUnit): Parsed<number> {
  const accepted = unit === '亿元' ? '应为数字，如 12.5 或 1,200（单位：亿元）' : '应为数字，如 12000 或 12,000（单位：万元）';
  let text: string | null;
  if (typeof cell === 'number') text = decimalOf(cell);
  else if (typeof cell === 'string') {
    text = cell.normalize('NFKC').trim();
    if (!AMOUNT_TEXT.test(text)) return { ok: false, reason: `“${cell.trim()}”不是数字，${accepted}` };
    text = text.replace(/,/g, '');
  } else return { ok: false, reason: `“${asTyped(cell)}”不是数字，${accepted}` };
  if (text === null) return { ok: false, reason: `“${asTyped(cell)}”数值过大` };

  const negative = text.startsWith('-');
  const [whole, fraction = ''] = text.replace(/^[+-]/, '').split('.');
  const shift = unit === '亿元' ? 4 : 0;
  const digits = fraction.padEnd(shift, '0');
  const wan = BigInt(whole + digits.slice(0, shift));
  const rest = digits.slice(shift);
  const rounded = rest !== '' && rest[0] >= '5' ? wan + 1n : wan;
  const value = Number(negative ? -rounded : rounded);
  if (!Number.isSafeInteger(value)) return { ok: false, reason: `“${asTyped(cell)}”数值过大` };
  if (/^0*$/.test(rest)) return { ok: true, value };
  const typed = asTyped(cell);
  const wanText = `${negative ? '-' : ''}${groupDigits(Number(whole + digits.slice(0, shift)))}.${rest.replace(/0+$/, '')}`;
  const rounding = `四舍五入为 ${groupDigits(value)} 万元`;
  const note = unit === '亿元' ? `“${typed}”亿元 = ${wanText} 万元，${rounding}` : `“${typed}”${rounding}`;
  return { ok: true, value, note };
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const two = (n: number) => String(n).padStart(2, '0');

/** Excel's day 0 is 1899-12-30; a date cell holds wall-clock time, here Asia/Shanghai. */
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);
/** Serial numbers taken as dates in a time column: 1900-01-01 to 9999-12-31. */
const MAX_EXCEL_DATE = 2958465;

export function excelDateIso(serial: number): string {
  const wall = new Date(EXCEL_EPOCH_MS + Math.round(serial * 86_400) * 1000);
  return `${wall.toISOString().slice(0, 19)}+08:00`;
}

/** An instant as Asia/Shanghai wall time, "2025-03-05 10:00" (seconds when there are some). */
export function shanghaiText(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const wall = new Date(ms + 8 * 3600_000).toISOString();
  const seconds = wall.slice(17, 19);
  return `${wall.slice(0, 10)} ${wall.slice(11, 16)}${seconds === '00' ? '' : `:${seconds}`}`;
}

const DATE_TEXT =
  /^(\d{4})(?:年(\d{1,2})月(\d{1,2})日?|([-/.])(\d{1,2})\4(\d{1,2}))(?:(?:\s*|T)(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;
export const TIME_FORM = '应为 2025-03-05 或 2025年3月5日（可加时间，如 2025-03-05 10:00）';

/** A time cell as an ISO-8601 instant; without an offset, Asia/Shanghai (+08:00). */
export function ledgerTime(cell: RawCell): Parsed<string> {
  if (typeof cell === 'object' || typeof cell === 'number') {
    const serial = typeof cell === 'object' ? cell.excelDate : cell;
    if (serial >= 1 && serial <= MAX_EXCEL_DATE) return { ok: true, value: excelDateIso(serial) };
    return { ok: false, reason: `“${asTyped(cell)}”不是日期，${TIME_FORM}` };
  }
  const typed = String(cell).trim();
  const text = typed.normalize('NFKC').replace(/\s+/g, ' ');
  const match = DATE_TEXT.exec(text);
  if (!match) return { ok: false, reason: `“${typed}”不是日期，${TIME_FORM}` };
  const year = Number(match[1]);
  const month = Number(match[2] ?? match[5]);
  const day = Number(match[3] ?? match[6]);
  const [hour, minute, second] = [match[7], match[8], match[9]].map((part) => Number(part ?? 0));
  const days = month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1];
  if (month < 1 || month > 12 || day < 1 || day > days || hour > 23 || minute > 59 || second > 59) {
    return { ok: false, reason: `“${typed}”不是有效日期，${TIME_FORM}` };
  }
  const offset = match[10] === undefined ? '+08:00' : match[10] === 'Z' ? 'Z' : `${match[10].slice(0, 3)}:${match[10].slice(-2)}`;
  return { ok: true, value: `${year}-${two(month)}-${two(day)}T${two(hour)}:${two(minute)}:${two(second)}${offset}` };
}
