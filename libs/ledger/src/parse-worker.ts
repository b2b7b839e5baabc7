import { parentPort } from 'node:worker_threads';
import { LedgerError, ledgerTable } from './table';
import { NotAWorkbook, UploadTooLarge, readFirstSheet } from './xlsx';

/** A parse worker: each upload's bytes in, its ledger table (or why not) out, one at a time. See SheetParser. */
parentPort!.on('message', async ({ file }: { file: Uint8Array }) => {
  try {
    const table = ledgerTable(await readFirstSheet(Buffer.from(file.buffer, file.byteOffset, file.byteLength)));
    parentPort!.postMessage({ ok: true, table });
  } catch (error) {
    if (error instanceof UploadTooLarge) parentPort!.postMessage({ ok: false, kind: 'too_large', cap: error.cap, message: error.message });
    else if (error instanceof NotAWorkbook || error instanceof LedgerError)
      parentPort!.postMessage({ ok: false, kind: 'invalid', message: error.message });
    else parentPort!.postMessage({ ok: false, kind: 'failed', message: (error as Error).stack ?? String(error) });
  }
});
