import { StringDecoder } from 'node:string_decoder';
import { createInflateRaw } from 'node:zlib';

/**
 * The first sheet of an .xlsx upload, read as a stream within caps (contract §6 "Uploads are
 * bounded"): the zip's entries are found through its central directory and inflated one chunk
 * at a time, every inflated byte counted against one budget (an entry's declared size is
 * checked first, but never trusted), and the sheet's XML is scanned as it inflates, so a file
 * past the row cap stops at the cap's row instead of being read to its end. Nothing here
 * imports more than Node: it runs in a worker thread.
 */

export interface SheetLimits {
  /** Non-empty rows of the sheet (title and header rows included). */
  readonly rows: number;
  /** The rightmost column that may hold a value. */
  readonly columns: number;
  /** Bytes inflated from the zip, every entry read counted. */
  readonly inflatedBytes: number;
  /** Characters of one cell. */
  readonly cellChars: number;
}

export const UPLOAD_LIMITS: SheetLimits & { readonly fileBytes: number } = {
  fileBytes: 6 * 1024 * 1024,
  rows: 20_000,
  columns: 200,
  inflatedBytes: 50 * 1024 * 1024,
  cellChars: 2_000,
};

export type Cap = 'fileBytes' | 'rows' | 'columns' | 'inflatedBytes' | 'cellChars' | 'memory' | 'time';

/** The upload is past one of the caps: 413, the message (Chinese) names the cap. */
export class UploadTooLarge extends Error {
  constructor(
    readonly cap: Cap,
    message: string,
  ) {
    super(message);
  }
}

/** The upload is not a workbook this reader understands: 400 naming the file. */
export class NotAWorkbook extends Error {}

/** A cell as the sheet holds it; a number whose style is a date format is an Excel date (days since 1899-12-30). */
export type RawCell = string | number | boolean | { readonly excelDate: number };

export interface RawRow {
  /** The row number in the sheet (1 is the top row). */
  readonly row: number;
  /** By column, 0 = A; holes are empty cells. */
  readonly cells: RawCell[];
}

const MB = 1024 * 1024;
const grouped = (n: number) => String(n).replace(/\B(?=(\d{3})+$)/g, ',');

export function tooLarge(cap: Cap, limits: SheetLimits & { readonly fileBytes?: number }, where = ''): UploadTooLarge {
  const messages: Record<Cap, string> = {
    fileBytes: `文件超过 ${(limits.fileBytes ?? UPLOAD_LIMITS.fileBytes) / MB} MB 的上限`,
    rows: `非空行超过 ${grouped(limits.rows)} 行的上限，请分成几个文件上传`,
    columns: `列数超过 ${limits.columns} 列的上限${where}`,
    inflatedBytes: `文件解压后超过 ${limits.inflatedBytes / MB} MB 的上限`,
    cellChars: `单元格内容超过 ${grouped(limits.cellChars)} 个字符的上限${where}`,
    memory: '文件过于复杂，解析所需内存超过上限',
    time: '文件过于复杂，解析时间超过上限',
  };
  return new UploadTooLarge(cap, messages[cap]);
}

interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localOffset: number;
}

/** The entries of the zip's central directory. */
function zipEntries(file: Buffer): Map<string, ZipEntry> {
  const notZip = () => new NotAWorkbook('文件不是有效的 Excel（.xlsx）文件');
  // The end-of-central-directory record: within the last 64 KiB (its comment) + 22 bytes.
  let end = -1;
  for (let i = file.length - 22; i >= Math.max(0, file.length - 22 - 0xffff); i--) {
    if (file.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw notZip();
  const count = file.readUInt16LE(end + 10);
  let offset = file.readUInt32LE(end + 16);
  if (count === 0xffff || offset === 0xffffffff) throw notZip(); // zip64: never needed under the size cap
  const entries = new Map<string, ZipEntry>();
  for (let i = 0; i < count; i++) {
    if (offset + 46 > file.length || file.readUInt32LE(offset) !== 0x02014b50) throw notZip();
    const nameLength = file.readUInt16LE(offset + 28);
    const name = file.toString('utf8', offset + 46, offset + 46 + nameLength).replace(/^\//, '');
    entries.set(name, {
      name,
      method: file.readUInt16LE(offset + 10),
      compressedSize: file.readUInt32LE(offset + 20),
      size: file.readUInt32LE(offset + 24),
      localOffset: file.readUInt32LE(offset + 42),
    });
    offset += 46 + nameLength + file.readUInt16LE(offset + 30) + file.readUInt16LE(offset + 32);
  }
  return entries;
}

/** Inflated bytes left to read, shared by every entry of one upload. */
class Budget {
  used = 0;
  constructor(private readonly limits: SheetLimits) {}
  take(bytes: number): void {
    this.used += bytes;
    if (this.used > this.limits.inflatedBytes) throw tooLarge('inflatedBytes', this.limits);
  }
}

/**
 * An entry's inflated bytes, in chunks; stops (throws) as soon as the budget is spent. The whole
 * entry is inflated before its XML is read, so a zip bomb costs only the inflating of the budget.
 */
async function inflateEntry(file: Buffer, entry: ZipEntry, budget: Budget): Promise<Buffer[]> {
  const local = entry.localOffset;
  if (local + 30 > file.length || file.readUInt32LE(local) !== 0x04034b50) throw new NotAWorkbook('文件已损坏（zip 结构错误）');
  const start = local + 30 + file.readUInt16LE(local + 26) + file.readUInt16LE(local + 28);
  const data = file.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) {
    budget.take(data.length);
    return [data];
  }
  if (entry.method !== 8) throw new NotAWorkbook('文件使用了不支持的压缩方式');
  const inflater = createInflateRaw({ chunkSize: 256 * 1024 });
  inflater.end(data);
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of inflater as AsyncIterable<Buffer>) {
      budget.take(chunk.length);
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof UploadTooLarge) throw error;
    if ((error as NodeJS.ErrnoException).code?.startsWith('Z_')) throw new NotAWorkbook('文件已损坏（无法解压）');
    throw error;
  } finally {
    inflater.destroy();
  }
  return chunks;
}

interface XmlHandler {
  open(name: string, attributes: Record<string, string>, selfClosing: boolean): void;
  close(name: string): void;
  text(text: string): void;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
/** XML entities, and the _xHHHH_ escapes OOXML writes for characters XML cannot hold. */
export function xmlText(raw: string): string {
  if (!raw.includes('&') && !raw.includes('_x')) return raw;
  return raw
    .replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot|apos);/g, (_, name: string) =>
      name[0] === '#'
        ? String.fromCodePoint(parseInt(name[1] === 'x' ? name.slice(2) : name.slice(1), name[1] === 'x' ? 16 : 10))
        : ENTITIES[name],
    )
    .replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** Text between two tags longer than this cannot be one cell within the caps (entities included): refused as such. */
const MAX_PENDING = 64 * 1024;
const MAX_TAG = 16 * 1024;
const NO_ATTRIBUTES: Record<string, string> = Object.freeze({}) as Record<string, string>;
const ATTRIBUTE = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/**
 * A scanner of the XML of SpreadsheetML parts, fed text as it inflates: elements (namespace
 * prefixes dropped), attributes and text, entities decoded. No DTD is read, so nothing expands.
 */
export class XmlScanner {
  private pending = '';

  constructor(
    private readonly handler: XmlHandler,
    private readonly limits: SheetLimits,
  ) {}

  write(chunk: string): void {
    const text = this.pending + chunk;
    let at = 0;
    for (;;) {
      const lt = text.indexOf('<', at);
      if (lt < 0) break;
      if (lt > at) this.handler.text(xmlText(text.slice(at, lt)));
      at = lt;
      const next = text.charCodeAt(lt + 1);
      if (next === 63 /* ? */ || next === 33 /* ! */) {
        const [close, cdata] = text.startsWith('<?', lt)
          ? ['?>', false]
          : text.startsWith('<!--', lt)
            ? ['-->', false]
            : text.startsWith('<![CDATA[', lt)
              ? [']]>', true]
              : ['>', false];
        const end = text.indexOf(close, lt);
        if (end < 0) break;
        if (cdata) this.handler.text(text.slice(lt + 9, end));
        at = end + close.length;
        continue;
      }
      // The tag's end: the first '>' outside quoted attribute values.
      let end = lt + 1;
      let quote = 0;
      for (; end < text.length; end++) {
        const c = text.charCodeAt(end);
        if (quote !== 0) {
          if (c === quote) quote = 0;
        } else if (c === 34 || c === 39) quote = c;
        else if (c === 62) break;
      }
      if (end >= text.length) {
        // Not complete yet (the rest comes with the next chunk) — unless no tag of these parts is that long.
        if (text.length - lt > MAX_TAG) throw new NotAWorkbook('文件已损坏（XML 格式错误）');
        break;
      }
      const closing = text.charCodeAt(lt + 1) === 47;
      const selfClosing = !closing && text.charCodeAt(end - 1) === 47;
      let nameEnd = lt + (closing ? 2 : 1);
      const nameStart = nameEnd;
      for (; nameEnd < end; nameEnd++) {
        const c = text.charCodeAt(nameEnd);
        if (c === 32 || c === 47 || c === 9 || c === 10 || c === 13) break;
      }
      if (nameEnd === nameStart) throw new NotAWorkbook('文件已损坏（XML 格式错误）');
      const qualified = text.slice(nameStart, nameEnd);
      const colon = qualified.indexOf(':');
      const name = colon < 0 ? qualified : qualified.slice(colon + 1);
      if (closing) this.handler.close(name);
      else {
        let attributes = NO_ATTRIBUTES;
        if (nameEnd < end - 1) {
          attributes = {};
          for (const [, key, double, single] of text.slice(nameEnd, end).matchAll(ATTRIBUTE)) attributes[key] = xmlText(double ?? single);
        }
        this.handler.open(name, attributes, selfClosing);
        if (selfClosing) this.handler.close(name);
      }
      at = end + 1;
    }
    this.pending = text.slice(at);
    if (this.pending.length > MAX_PENDING) throw tooLarge('cellChars', this.limits);
  }
}

/** Excel's built-in number formats that show a date or time (ECMA-376 18.8.30, and the CJK ones). */
const BUILT_IN_DATE_FORMATS = new Set([
  14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54, 55, 56, 57, 58,
]);
function isDateFormat(code: string): boolean {
  // Quoted text, escaped characters and [colour]/[locale] parts say nothing about dates.
  const bare = code.replace(/"[^"]*"|\\.|\[[^\]]*\]/g, '');
  return /[ymdhs年月日]/i.test(bare) && !/^general$/i.test(bare);
}

/** Stands for a string past the cell cap: refused where a cell uses it. */
const TOO_LONG = '\u0000too-long';

/** Collects the text of the <t> elements inside one element, leaving out phonetic runs (<rPh>). */
class TextCollector {
  private parts: string[] | null = null;
  private inT = false;
  private phonetic = 0;
  private length = 0;
  constructor(private readonly limits: SheetLimits) {}
  start(): void {
    this.parts = [];
    this.length = 0;
  }
  open(name: string): void {
    if (name === 'rPh') this.phonetic++;
    else if (name === 't') this.inT = true;
  }
  close(name: string): void {
    if (name === 'rPh') this.phonetic--;
    else if (name === 't') this.inT = false;
  }
  text(text: string): void {
    if (!this.parts || !this.inT || this.phonetic > 0) return;
    this.length += text.length;
    if (this.length <= this.limits.cellChars) this.parts.push(text);
  }
  finish(): string {
    const text = this.length > this.limits.cellChars ? TOO_LONG : (this.parts ?? []).join('');
    this.parts = null;
    return text;
  }
}

async function readPart(
  file: Buffer,
  entries: Map<string, ZipEntry>,
  name: string,
  budget: Budget,
  handler: XmlHandler,
  limits: SheetLimits,
) {
  const entry = entries.get(name);
  if (!entry) return false;
  const chunks = await inflateEntry(file, entry, budget);
  const scanner = new XmlScanner(handler, limits);
  const decoder = new StringDecoder('utf8');
  // The text is read as it is decoded, chunk by chunk: the sheet's rows stop at the row cap.
  for (let i = 0; i < chunks.length; i++) {
    scanner.write(decoder.write(chunks[i]));
    chunks[i] = EMPTY;
  }
  scanner.write(decoder.end());
  return true;
}

const EMPTY = Buffer.alloc(0);

/** A column's number from a cell reference: "C7" → 2. */
function columnOf(reference: string): number {
  let column = 0;
  for (const ch of reference) {
    const code = ch.charCodeAt(0);
    if (code < 65 || code > 90) break;
    column = column * 26 + (code - 64);
  }
  return column - 1;
}

/**
 * The non-empty rows of the workbook's first sheet, in order; throws UploadTooLarge past a cap
 * and NotAWorkbook for what is not an .xlsx.
 */
export async function readFirstSheet(file: Buffer, limits: SheetLimits = UPLOAD_LIMITS): Promise<RawRow[]> {
  const entries = zipEntries(file);
  let declared = 0;
  for (const entry of entries.values()) declared += entry.size;
  if (declared > limits.inflatedBytes) throw tooLarge('inflatedBytes', limits);
  const budget = new Budget(limits);

  // The first sheet: workbook.xml names it, its relationships say which part holds it.
  let firstSheetRel: string | null = null;
  const found = await readPart(
    file,
    entries,
    'xl/workbook.xml',
    budget,
    {
      open: (name, attributes) => {
        if (name === 'sheet' && firstSheetRel === null)
          firstSheetRel = attributes['r:id'] ?? Object.entries(attributes).find(([k]) => k.endsWith(':id'))?.[1] ?? null;
      },
      close: () => undefined,
      text: () => undefined,
    },
    limits,
  );
  if (!found) throw new NotAWorkbook('文件不是有效的 Excel（.xlsx）文件');
  let sheetPath: string | null = null;
  await readPart(
    file,
    entries,
    'xl/_rels/workbook.xml.rels',
    budget,
    {
      open: (name, attributes) => {
        if (name === 'Relationship' && attributes.Id === firstSheetRel && attributes.Target) {
          const target = attributes.Target.replace(/\\/g, '/');
          sheetPath = target.startsWith('/') ? target.slice(1) : `xl/${target.replace(/^\.\//, '')}`;
        }
      },
      close: () => undefined,
      text: () => undefined,
    },
    limits,
  );
  if (sheetPath === null) {
    const sheets = [...entries.keys()].filter((n) => /^xl\/worksheets\/[^/]+\.xml$/.test(n)).sort();
    sheetPath = sheets[0] ?? null;
  }
  if (sheetPath === null || !entries.has(sheetPath)) throw new NotAWorkbook('文件中没有工作表');

  const shared: string[] = [];
  const sharedText = new TextCollector(limits);
  await readPart(
    file,
    entries,
    'xl/sharedStrings.xml',
    budget,
    {
      open: (name) => (name === 'si' ? sharedText.start() : sharedText.open(name)),
      close: (name) => (name === 'si' ? shared.push(sharedText.finish()) : sharedText.close(name)),
      text: (text) => sharedText.text(text),
    },
    limits,
  );

  const customFormats = new Map<number, string>();
  const dateStyles = new Set<number>();
  let inCellXfs = false;
  let xfIndex = 0;
  await readPart(
    file,
    entries,
    'xl/styles.xml',
    budget,
    {
      open: (name, attributes) => {
        if (name === 'numFmt') customFormats.set(Number(attributes.numFmtId), attributes.formatCode ?? '');
        else if (name === 'cellXfs') inCellXfs = true;
        else if (name === 'xf' && inCellXfs) {
          const id = Number(attributes.numFmtId ?? 0);
          const custom = customFormats.get(id);
          if (custom !== undefined ? isDateFormat(custom) : BUILT_IN_DATE_FORMATS.has(id)) dateStyles.add(xfIndex);
          xfIndex++;
        }
      },
      close: (name) => {
        if (name === 'cellXfs') inCellXfs = false;
      },
      text: () => undefined,
    },
    limits,
  );

  const rows: RawRow[] = [];
  let current: { row: number; cells: RawCell[]; nextColumn: number; empty: boolean } | null = null;
  let lastRow = 0;
  let cell: { column: number; type: string; style: number } | null = null;
  let value: string[] | null = null;
  const inline = new TextCollector(limits);
  const where = (column: number) => `（第 ${current?.row ?? lastRow} 行第 ${column + 1} 列）`;
  const addCell = (column: number, content: RawCell) => {
    if (current === null) return;
    if (typeof content === 'string' && content.trim() === '') return;
    if (column >= limits.columns) throw tooLarge('columns', limits, where(column));
    if (typeof content === 'string' && (content.length > limits.cellChars || content === TOO_LONG))
      throw tooLarge('cellChars', limits, where(column));
    current.cells[column] = content;
    current.empty = false;
  };
  await readPart(
    file,
    entries,
    sheetPath,
    budget,
    {
      open: (name, attributes) => {
        if (name === 'row') {
          lastRow = attributes.r ? Number(attributes.r) : lastRow + 1;
          current = { row: lastRow, cells: [], nextColumn: 0, empty: true };
        } else if (name === 'c' && current) {
          const column = attributes.r ? columnOf(attributes.r) : current.nextColumn;
          current.nextColumn = column + 1;
          cell = { column, type: attributes.t ?? 'n', style: Number(attributes.s ?? 0) };
        } else if (name === 'v' && cell) value = [];
        else if (name === 'is' && cell) inline.start();
        else if (cell) inline.open(name);
      },
      close: (name) => {
        if (name === 'row' && current) {
          if (!current.empty) {
            if (rows.length >= limits.rows) throw tooLarge('rows', limits);
            rows.push({ row: current.row, cells: current.cells });
          }
          current = null;
        } else if (name === 'c' && cell) {
          cell = null;
        } else if (name === 'v' && cell && value) {
          const text = value.join('');
          value = null;
          const { column, type, style } = cell;
          if (type === 's') addCell(column, shared[Number(text)] ?? '');
          else if (type === 'str' || type === 'e' || type === 'd') addCell(column, text);
          else if (type === 'b') addCell(column, text === '1');
          else if (text.trim() !== '') {
            const number = Number(text);
            addCell(column, Number.isFinite(number) ? (dateStyles.has(style) ? { excelDate: number } : number) : text);
          }
        } else if (name === 'is' && cell) addCell(cell.column, inline.finish());
        else if (cell) inline.close(name);
      },
      text: (text) => {
        if (value) {
          value.push(text);
          if (value.reduce((n, part) => n + part.length, 0) > limits.cellChars)
            throw tooLarge('cellChars', limits, where(cell?.column ?? 0));
        } else inline.text(text);
      },
    },
    limits,
  );
  return rows;
}
