import type { Pool } from 'pg';
import { Lease } from '@app/event-store';
import { ApiError } from '@app/platform';

/** How long an upload's lock lasts unless renewed: a console that dies while holding it frees it after this. */
const LOCK_MS = 60_000;

/**
 * One upload per person at a time (contract §6), previews included. The lock is a lease row in
 * the database (keyed by the person), so consoles sharing the database share it, and a console
 * that stops mid-upload leaves it to expire within a minute rather than for ever.
 */
export class UploadLocks {
  constructor(private readonly pool: Pool) {}

  /** Runs `work` holding the person's upload lock (`keep` renews it on long work); 429 while another of their uploads runs. */
  async exclusive<T>(personId: string, work: (keep: () => Promise<void>) => Promise<T>): Promise<T> {
    const lease = new Lease(this.pool, `ledger-upload:${personId}`, LOCK_MS);
    if (!(await lease.acquire())) {
      const message = '你有一个台账文件正在处理，请等它完成后再上传';
      throw ApiError.of(429, 'upload_in_progress', message, [{ field: 'file', message }]);
    }
    try {
      return await work(() => lease.keep());
    } finally {
      await lease.release().catch(() => lease.forget());
    }
  }
}
