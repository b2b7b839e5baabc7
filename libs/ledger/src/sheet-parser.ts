import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { LedgerError, type LedgerTable } from './table';
import { UPLOAD_LIMITS, UploadTooLarge, tooLarge, type Cap } from './xlsx';

/** Every parse worker is busy: the caller answers 429 and the person tries again shortly. */
export class ParserBusy extends Error {
  constructor() {
    super('busy');
  }
}

export interface SheetParserOptions {
  /** Parses at once (each in its own worker thread). */
  readonly workers: number;
  /** A worker's heap; past it the worker is stopped and the upload refused. */
  readonly memoryMb: number;
  readonly timeoutMs: number;
}

/**
 * The compiled worker beside this file; under the test runner, which runs the sources, the one
 * `npm run build` wrote to dist/.
 */
function workerScript(): string {
  if (!__filename.endsWith('.ts')) return join(__dirname, 'parse-worker.js');
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'libs', 'ledger', 'src', 'parse-worker.js');
  }
  throw new Error(`no package.json above ${__dirname}`);
}

type WorkerAnswer =
  | { ok: true; table: LedgerTable }
  | { ok: false; kind: 'too_large'; cap: Cap; message: string }
  | { ok: false; kind: 'invalid' | 'failed'; message: string };

/**
 * Reads uploads off the main thread (contract §6): in a pool of at most `workers` worker threads,
 * each with a heap limit, one parse at a time each and a deadline per parse; when every worker is
 * busy, ParserBusy at once rather than a queue, so uploads never pile up behind each other. A
 * worker stays for the next parse (its compiled code warm); one that ran out of memory or time is
 * stopped and replaced when next needed.
 */
export class SheetParser {
  private readonly idle: Worker[] = [];
  private running = 0;
  private readonly script = workerScript();

  constructor(readonly options: SheetParserOptions = { workers: 2, memoryMb: 256, timeoutMs: 30_000 }) {}

  /** The upload's ledger table; throws UploadTooLarge past a cap, LedgerError for a bad file, ParserBusy. */
  async parse(file: Buffer): Promise<LedgerTable> {
    if (this.running >= this.options.workers) throw new ParserBusy();
    this.running++;
    try {
      return await this.inWorker(file);
    } finally {
      this.running--;
    }
  }

  /** Stops the idle workers (a running parse stops its own when done). */
  async close(): Promise<void> {
    await Promise.all(this.idle.splice(0).map((worker) => worker.terminate()));
  }

  private newWorker(): Worker {
    const worker = new Worker(this.script, {
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: this.options.memoryMb, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
    });
    // An idle worker must not keep the process alive.
    worker.unref();
    return worker;
  }

  private inWorker(file: Buffer): Promise<LedgerTable> {
    const worker = this.idle.pop() ?? this.newWorker();
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (healthy: boolean, outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        if (healthy && this.idle.length < this.options.workers) this.idle.push(worker);
        else void worker.terminate();
        outcome();
      };
      const onMessage = (answer: WorkerAnswer) =>
        settle(answer.ok || answer.kind !== 'failed', () => {
          if (answer.ok) resolve(answer.table);
          else if (answer.kind === 'too_large') reject(new UploadTooLarge(answer.cap, answer.message));
          else if (answer.kind === 'invalid') reject(new LedgerError(answer.message));
          else reject(new Error(`the parse worker failed: ${answer.message}`));
        });
      const onError = (error: NodeJS.ErrnoException) =>
        settle(false, () => reject(error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? tooLarge('memory', UPLOAD_LIMITS) : error));
      const onExit = (code: number) => settle(false, () => reject(new Error(`the parse worker exited (${code})`)));
      const timer = setTimeout(() => settle(false, () => reject(tooLarge('time', UPLOAD_LIMITS))), this.options.timeoutMs);
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      // A copy of its own, handed over without another copy.
      const bytes = new Uint8Array(file);
      worker.postMessage({ file: bytes }, [bytes.buffer]);
    });
  }
}
