import { randomBytes } from 'node:crypto';
import { LEDGER_COLUMNS } from '@app/ledger';
import { ConsoleClient } from '../support/console';
import { freshDatabase, type TestDatabase } from '../support/database';
import { ledgerRow, rowXml, uploadLedger, xlsxOf } from '../support/ledger';
import { runApp, type Running } from '../support/processes';

const ADMIN_PASSWORD = 'console-passphrase-2025';
const PASSWORD = 'a long passphrase';

/** `rows` data rows of a real ledger's columns, each different (so the file compresses as a real one does). */
function* ledgerRows(rows: number, overrides: (i: number) => Record<string, unknown> = () => ({})): Generator<string> {
  yield rowXml(1, [...LEDGER_COLUMNS]);
  for (let i = 1; i <= rows; i++) {
    const row = ledgerRow(i, { 项目名称: `项目-${i}-${randomBytes(3).toString('hex')}`, ...overrides(i) });
    yield rowXml(
      i + 1,
      LEDGER_COLUMNS.map((c) => (row[c] ?? null) as string | number | null),
    );
  }
}

/** `rows` short rows of random text: about 5 MB zipped for 200,000, and well under the decompressed cap (about 25 MB). */
function* shortRows(rows: number): Generator<string> {
  for (let i = 1; i <= rows; i++) yield rowXml(i, [randomBytes(11).toString('hex'), i * 7]);
}

/** Rows whose XML is hundreds of MB and compresses to almost nothing: each holds an empty cell. */
function* bomb(megabytes: number): Generator<string> {
  const piece = '<row><c><v></v></c></row>'.repeat(Math.ceil((1024 * 1024) / 25));
  for (let i = 0; i < megabytes; i++) yield piece;
}

/**
 * Uploads are bounded (contract §6), against the console as a process of its own (two of them on
 * one database for the per-person lock) on the real PostgreSQL.
 */
describe('台账 uploads are bounded (console processes, real PostgreSQL)', () => {
  let db: TestDatabase;
  const consoles: Running[] = [];
  const urls: string[] = [];
  const people = new Map<string, ConsoleClient>();

  const startConsole = async () => {
    const running = runApp('console', {
      DATABASE_URL: db.url,
      CONSOLE_PORT: '0',
      CONSOLE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      TRUST_PROXY: '1',
    });
    consoles.push(running);
    const [, url] = await running.waitForOutput(/"url":"(http:\/\/[^"]+)"[^\n]*console listening/, 120_000);
    return url;
  };

  beforeAll(async () => {
    db = await freshDatabase();
    urls.push(await startConsole());
    urls.push(await startConsole());
    const admin = new ConsoleClient(urls[0]);
    expect((await admin.login('admin', ADMIN_PASSWORD)).status).toBe(200);
    for (const [i, username] of ['uploader.a', 'uploader.b', 'uploader.c', 'bystander'].entries()) {
      const created = await admin.request('POST', '/v1/people', { username, displayName: username, role: 'writer', password: PASSWORD });
      expect(created.status).toBe(201);
      const client = new ConsoleClient(urls[0], `192.0.2.${100 + i}`);
      expect((await client.login(username, PASSWORD)).status).toBe(200);
      people.set(username, client);
    }
  }, 300_000);
  afterAll(async () => {
    for (const running of consoles) await running.stop('SIGKILL');
    await db?.drop();
  });

  /** Runs `upload` while another person asks GET /v1/session every 50 ms; the upload's answer and the slowest session answer. */
  async function whileSessionsAreAsked<T>(upload: () => Promise<T>): Promise<{ answer: T; slowestSessionMs: number; sessions: number }> {
    const bystander = people.get('bystander')!;
    let running = true;
    let slowest = 0;
    let sessions = 0;
    const asking = (async () => {
      while (running) {
        const started = performance.now();
        const answer = await bystander.request('GET', '/v1/session');
        expect(answer.status).toBe(200);
        slowest = Math.max(slowest, performance.now() - started);
        sessions++;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    try {
      return { answer: await upload(), slowestSessionMs: slowest, sessions };
    } finally {
      running = false;
      await asking;
    }
  }

  it('a 200,000-row file of about 5 MB: 413 naming the row cap within 5 s; another person’s GET /v1/session answers within 1 s meanwhile', async () => {
    const file = await xlsxOf(shortRows(200_000));
    expect(file.length).toBeGreaterThan(4 * 1024 * 1024);
    expect(file.length).toBeLessThan(6 * 1024 * 1024);
    const { answer, slowestSessionMs, sessions } = await whileSessionsAreAsked(() =>
      uploadLedger(people.get('uploader.a')!, '/v1/ledger/preview', file),
    );
    console.log(
      `200,000 rows, ${(file.length / 1024 / 1024).toFixed(2)} MB: ${answer.status} in ${answer.ms.toFixed(0)} ms; ` +
        `slowest of ${sessions} GET /v1/session meanwhile: ${slowestSessionMs.toFixed(0)} ms`,
    );
    expect(answer.status).toBe(413);
    expect(answer.body.error).toEqual({
      code: 'payload_too_large',
      message: '非空行超过 20,000 行的上限，请分成几个文件上传',
      details: [{ field: 'file', message: '非空行超过 20,000 行的上限，请分成几个文件上传' }],
    });
    expect(answer.ms).toBeLessThan(5_000);
    expect(slowestSessionMs).toBeLessThan(1_000);
  }, 120_000);

  it.each([
    ['headers telling the truth', {}],
    ['headers that lie (declared 1 KB)', { declaredSheetSize: 1024 }],
  ] as Array<[string, { declaredSheetSize?: number }]>)(
    'a zip bomb (a sheet of 400 MB), %s: 413 naming the decompressed cap within 5 s; GET /v1/session within 1 s meanwhile',
    async (_, options) => {
      const file = await xlsxOf(bomb(400), options);
      expect(file.length).toBeLessThan(2 * 1024 * 1024);
      const { answer, slowestSessionMs, sessions } = await whileSessionsAreAsked(() =>
        uploadLedger(people.get('uploader.a')!, '/v1/ledger/preview', file),
      );
      console.log(
        `zip bomb (${(file.length / 1024).toFixed(0)} KB → 400 MB, ${options.declaredSheetSize ? 'lying' : 'honest'} headers): ` +
          `${answer.status} in ${answer.ms.toFixed(0)} ms; slowest of ${sessions} GET /v1/session meanwhile: ${slowestSessionMs.toFixed(0)} ms`,
      );
      expect(answer.status).toBe(413);
      expect(answer.body.error.message).toBe('文件解压后超过 50 MB 的上限');
      expect(answer.body.error.details).toEqual([{ field: 'file', message: '文件解压后超过 50 MB 的上限' }]);
      expect(answer.ms).toBeLessThan(5_000);
      expect(slowestSessionMs).toBeLessThan(1_000);
    },
    120_000,
  );

  it('a file over 6 MB: 413 naming the file cap; an over-long cell and a 201st column: 413 naming theirs', async () => {
    const a = people.get('uploader.a')!;
    const big = await uploadLedger(a, '/v1/ledger/preview', randomBytes(6 * 1024 * 1024 + 1));
    expect(big.status).toBe(413);
    expect(big.body.error.message).toBe('文件超过 6 MB 的上限');
    const longCell = await uploadLedger(a, '/v1/ledger/preview', await xlsxOf([rowXml(1, ['字'.repeat(2_001)])]));
    expect(longCell.status).toBe(413);
    expect(longCell.body.error.message).toBe('单元格内容超过 2,000 个字符的上限（第 1 行第 1 列）');
    const wide = await uploadLedger(a, '/v1/ledger/preview', await xlsxOf([rowXml(1, [...Array(200).fill(null), 'x'])]));
    expect(wide.status).toBe(413);
    expect(wide.body.error.message).toBe('列数超过 200 列的上限（第 1 行第 201 列）');
  }, 60_000);

  it('one upload per person, across both consoles (the lock is in the database): the second answers 429 while the first runs', async () => {
    // 19,000 rows of a real ledger: read, then each row planned against the projects stored — seconds of work.
    const file = await xlsxOf(ledgerRows(19_000));
    const a = people.get('uploader.a')!;
    const onSecondConsole = new ConsoleClient(urls[1], a.address);
    onSecondConsole.cookie = a.cookie;
    onSecondConsole.csrfToken = a.csrfToken;
    const first = uploadLedger(a, '/v1/ledger/preview', file);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = await uploadLedger(onSecondConsole, '/v1/ledger/preview', file);
    expect(second.status).toBe(429);
    expect(second.body.error).toMatchObject({ code: 'upload_in_progress', message: '你有一个台账文件正在处理，请等它完成后再上传' });
    expect((await first).status).toBe(200);
    // Once the first is answered, the person may upload again.
    expect((await uploadLedger(onSecondConsole, '/v1/ledger/preview', await xlsxOf(ledgerRows(3)))).status).toBe(200);
  }, 120_000);

  it('at most 2 parses at once in a console: a third person’s upload meanwhile answers 429 busy', async () => {
    const file = await xlsxOf(ledgerRows(19_000));
    const answers = await Promise.all(
      ['uploader.a', 'uploader.b', 'uploader.c'].map((name, i) =>
        new Promise((resolve) => setTimeout(resolve, i * 50)).then(() => uploadLedger(people.get(name)!, '/v1/ledger/preview', file)),
      ),
    );
    // Which of the three arrives last is the network's choice: one of them, whichever, is refused.
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 429]);
    expect(answers.find((a) => a.status === 429)!.body.error).toMatchObject({
      code: 'busy',
      message: '正在解析的台账文件已达上限，请稍后再试',
    });
  }, 120_000);

  it('the preview lists at most 500 issues and counts the rest', async () => {
    const file = await xlsxOf(ledgerRows(700, () => ({ 线索登记时间: '2025年2月30日' })));
    const answer = await uploadLedger(people.get('uploader.b')!, '/v1/ledger/preview', file);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ rows: 700, validRows: 0, moreIssues: 200, moreEntries: 200 });
    expect(answer.body.issues).toHaveLength(500);
    expect(answer.body.issues[0]).toEqual({
      row: 2,
      column: '线索登记时间',
      reason: '“2025年2月30日”不是有效日期，应为 2025-03-05 或 2025年3月5日（可加时间，如 2025-03-05 10:00）',
    });
  }, 60_000);
});
