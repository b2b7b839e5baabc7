import { useState } from 'preact/hooks';
import { api } from '../api';
import { toFormFailure } from '../form';

interface Issue {
  readonly row: number;
  readonly column: string;
  readonly reason: string;
}

type RowStatus = 'new' | 'changed' | 'unchanged' | 'refused';

interface Preview {
  readonly headerRow: number;
  readonly lastRow: number;
  readonly columns: ReadonlyArray<{ readonly header: string; readonly column: string; readonly note?: string }>;
  readonly skipped: ReadonlyArray<{ readonly row: number; readonly reason: string }>;
  readonly rows: number;
  readonly validRows: number;
  readonly changedRows: number;
  readonly commands: number;
  readonly issues: readonly Issue[];
  readonly moreIssues: number;
  readonly notes: readonly Issue[];
  readonly moreNotes: number;
  readonly entries: ReadonlyArray<{ readonly row: number; readonly status: RowStatus; readonly values: Readonly<Record<string, string>> }>;
  readonly moreEntries: number;
}

/** Rows sent per import request: the progress bar moves by this much. */
const ROWS_PER_REQUEST = 1000;

const STATUS: Record<RowStatus, string> = { new: '新项目', changed: '有更新', unchanged: '无变化', refused: '有错误' };

/** The columns of the values table (only those the file has): what is converted first, then the rest. */
const VALUE_COLUMNS = [
  '项目名称',
  '计划投资额(万元)',
  '签约额(万元)',
  '签约时间',
  '开工投资额(万元)',
  '开工时间',
  '线索登记时间',
  '责任单位',
  '投资方名称',
  '项目编号',
  '统一社会信用代码',
  '投资方来源地区',
  '产业链',
  '产业类别',
  '工业项目',
  '招商方式',
];

/** A long file's values scroll inside their box, so the page keeps its 导入 button and notes in view. */
const VALUES_WRAP = { maxHeight: '32rem', overflowY: 'auto' };

/** Long texts (reasons, notes) wrap inside their cell instead of widening the table. */
const WRAP = { whiteSpace: 'normal', minWidth: '14rem' };

function form(file: File, fields: Record<string, number> = {}): FormData {
  const body = new FormData();
  body.append('file', file, file.name);
  for (const [name, value] of Object.entries(fields)) body.append(name, String(value));
  return body;
}

function IssueTable({ label, issues, heading }: { label: string; issues: readonly Issue[]; heading: string }) {
  return (
    <div class="table-wrap">
      <table aria-label={label}>
        <thead>
          <tr>
            <th>行号</th>
            <th>列</th>
            <th>{heading}</th>
          </tr>
        </thead>
        <tbody>
          {issues.map((issue, i) => (
            <tr key={i}>
              <td>{issue.row}</td>
              <td>{issue.column}</td>
              <td style={WRAP}>{issue.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * 台账导入: the template, an upload's preview — every row's values as they will be stored, each
 * refusal with the value typed and the accepted form, conversions and warnings — then 导入 with its progress.
 */
export function LedgerPage() {
  const [file, setFile] = useState<{ data: File; lastRow: number } | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [reading, setReading] = useState(false);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [result, setResult] = useState<{ storedRows: number; commands: number; refused: readonly Issue[] } | null>(null);

  const choose = async (event: Event) => {
    const input = event.currentTarget as HTMLInputElement;
    const chosen = input.files?.[0];
    // Cleared at once, so that choosing the same file again (an edited copy, a second upload) is seen.
    input.value = '';
    setPreview(null);
    setResult(null);
    setProblem(null);
    if (!chosen) return;
    setReading(true);
    try {
      const answer = await api<Preview>('POST', '/v1/ledger/preview', form(chosen));
      setFile({ data: chosen, lastRow: answer.lastRow });
      setPreview(answer);
    } catch (error) {
      setProblem(toFormFailure(error).fields.file ?? toFormFailure(error).message);
    } finally {
      setReading(false);
    }
  };

  const importAll = async () => {
    if (!file || !preview) return;
    const total = preview.rows;
    let storedRows = 0;
    let commands = 0;
    let done = 0;
    const refused: Issue[] = [];
    setProgress({ done: 0, total });
    try {
      for (let from = preview.headerRow + 1; from <= file.lastRow; from += ROWS_PER_REQUEST) {
        const to = Math.min(file.lastRow, from + ROWS_PER_REQUEST - 1);
        const answer = await api<{ rows: number; storedRows: number; commands: number; refused: Issue[] }>(
          'POST',
          '/v1/ledger',
          form(file.data, { fromRow: from, toRow: to }),
        );
        storedRows += answer.storedRows;
        commands += answer.commands;
        done += answer.rows;
        refused.push(...answer.refused);
        setProgress({ done: Math.min(total, done), total });
      }
      setResult({ storedRows, commands, refused });
    } catch (error) {
      setProblem(toFormFailure(error).message);
    } finally {
      setProgress(null);
    }
  };

  const badRows = preview ? new Set(preview.issues.map((i) => i.row)).size : 0;
  const shownColumns = preview ? VALUE_COLUMNS.filter((c) => preview.columns.some((col) => col.column === c)) : [];

  return (
    <section>
      <h1>台账导入</h1>
      <form onSubmit={(e) => e.preventDefault()}>
        <p>
          <a class="button secondary" href="/v1/ledger/template.xlsx" download>
            下载模板
          </a>
        </p>
        <div class="field">
          <label for="ledger-file">选择台账文件（.xlsx）</label>
          <input
            id="ledger-file"
            type="file"
            accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            onChange={choose}
          />
        </div>
        {reading && <p role="status">正在读取文件…</p>}
        {problem && (
          <p class="form-error" role="alert">
            {problem}
          </p>
        )}
      </form>
      {preview && (
        <div class="preview">
          <h2>预览</h2>
          <p role="status">
            共 {preview.rows} 行：{preview.validRows} 行有效，其中 {preview.changedRows} 行有新内容（{preview.commands} 条记录）；
            {badRows === 0 && preview.moreIssues === 0 ? '没有错误' : `${badRows} 行有错误，导入时跳过`}
          </p>
          <p>
            <button type="button" disabled={progress !== null || preview.changedRows === 0} onClick={importAll}>
              导入
            </button>
          </p>
          <ul aria-label="读取说明">
            <li>表头在第 {preview.headerRow} 行</li>
            {preview.columns
              .filter((c) => c.note)
              .map((c) => (
                <li key={c.header}>{c.note}</li>
              ))}
            {preview.skipped.map((s) => (
              <li key={s.row}>
                第 {s.row} 行：{s.reason}
              </li>
            ))}
          </ul>
          {preview.issues.length > 0 && (
            <>
              <h3>错误</h3>
              <IssueTable label="错误" issues={preview.issues} heading="原因" />
              {preview.moreIssues > 0 && <p>另有 {preview.moreIssues} 条错误未列出</p>}
            </>
          )}
          {preview.notes.length > 0 && (
            <>
              <h3>提示</h3>
              <IssueTable label="提示" issues={preview.notes} heading="说明" />
              {preview.moreNotes > 0 && <p>另有 {preview.moreNotes} 条提示未列出</p>}
            </>
          )}
          <h3>导入内容（金额为万元，时间为北京时间）</h3>
          <div class="table-wrap" style={VALUES_WRAP}>
            <table aria-label="导入内容">
              <thead>
                <tr>
                  <th>行号</th>
                  <th>状态</th>
                  {shownColumns.map((c) => (
                    <th key={c}>{c}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {preview.entries.map((entry) => (
                  <tr key={entry.row} class={entry.status === 'refused' ? 'invalid' : undefined}>
                    <td>{entry.row}</td>
                    <td>{STATUS[entry.status]}</td>
                    {shownColumns.map((c) => (
                      <td key={c}>{entry.values[c] ?? ''}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {preview.moreEntries > 0 && (
            <p>
              只显示前 {preview.entries.length} 行，另有 {preview.moreEntries} 行
            </p>
          )}
        </div>
      )}
      {progress && (
        <p>
          <label for="ledger-progress">导入进度</label> <progress id="ledger-progress" max={progress.total} value={progress.done} />{' '}
          {progress.done} / {progress.total}
        </p>
      )}
      {result && (
        <p class="notice" role="status">
          已导入 {result.storedRows} 行（{result.commands} 条记录）
          {result.refused.length > 0
            ? `；${result.refused.length} 条未保存：${result.refused.map((r) => `第 ${r.row} 行 ${r.reason}`).join('；')}`
            : ''}
        </p>
      )}
    </section>
  );
}
