import { useState } from 'preact/hooks';
import { api } from '../api';
import { toFormFailure } from '../form';

interface Issue {
  readonly row: number;
  readonly column: string;
  readonly reason: string;
}

interface Preview {
  readonly rows: number;
  readonly validRows: number;
  readonly changedRows: number;
  readonly commands: number;
  readonly issues: readonly Issue[];
}

/** Rows sent per import request: the progress bar moves by this much. */
const ROWS_PER_REQUEST = 1000;

function base64(buffer: ArrayBuffer): string {
  let binary = '';
  const bytes = new Uint8Array(buffer);
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** 台账导入: the template, an upload's preview with every row's errors, then 导入 with its progress. */
export function LedgerPage() {
  const [file, setFile] = useState<{ name: string; data: string; lastRow: number } | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
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
    const data = base64(await chosen.arrayBuffer());
    try {
      const answer = await api<Preview>('POST', '/v1/ledger/preview', { file: data });
      setFile({ name: chosen.name, data, lastRow: answer.rows + 1 });
      setPreview(answer);
    } catch (error) {
      setProblem(toFormFailure(error).fields.file ?? toFormFailure(error).message);
    }
  };

  const importAll = async () => {
    if (!file || !preview) return;
    const total = preview.rows;
    let storedRows = 0;
    let commands = 0;
    const refused: Issue[] = [];
    setProgress({ done: 0, total });
    try {
      for (let from = 2; from <= file.lastRow; from += ROWS_PER_REQUEST) {
        const to = Math.min(file.lastRow, from + ROWS_PER_REQUEST - 1);
        const answer = await api<{ storedRows: number; commands: number; refused: Issue[] }>('POST', '/v1/ledger', {
          file: file.data,
          fromRow: from,
          toRow: to,
        });
        storedRows += answer.storedRows;
        commands += answer.commands;
        refused.push(...answer.refused);
        setProgress({ done: Math.min(total, to - 1), total });
      }
      setResult({ storedRows, commands, refused });
    } catch (error) {
      setProblem(toFormFailure(error).message);
    } finally {
      setProgress(null);
    }
  };

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
            {preview.issues.length === 0 ? '没有错误' : `${new Set(preview.issues.map((i) => i.row)).size} 行有错误，导入时跳过`}
          </p>
          {preview.issues.length > 0 && (
            <div class="table-wrap">
              <table aria-label="错误">
                <thead>
                  <tr>
                    <th>行号</th>
                    <th>列</th>
                    <th>原因</th>
                  </tr>
                </thead>
                <tbody>
                  {preview.issues.map((issue, i) => (
                    <tr key={i}>
                      <td>{issue.row}</td>
                      <td>{issue.column}</td>
                      <td>{issue.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <p>
            <button type="button" disabled={progress !== null || preview.changedRows === 0} onClick={importAll}>
              导入
            </button>
          </p>
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
