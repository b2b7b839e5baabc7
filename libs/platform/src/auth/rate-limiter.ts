import { LruMap } from '../lru-map';

/**
 * A token bucket per key (an API key, a client address): `perMinute` requests a minute,
 * refilled continuously, with a burst of one minute's worth. Kept in process memory: each
 * instance limits on its own. At most `capacity` buckets are kept; the least recently used
 * goes first, so a flood of new keys costs bounded memory.
 */
export class RateLimiter {
  private readonly buckets: LruMap<string, { tokens: number; at: number }>;

  constructor(
    private readonly perMinute: number,
    capacity = 100_000,
  ) {
    this.buckets = new LruMap(capacity);
  }

  /** 0 when the request may go ahead (and counts it), else the seconds to wait before the next one would. */
  take(key: string, now = Date.now()): number {
    if (this.perMinute === 0) return 0;
    const bucket = this.refilled(key, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return this.secondsUntilOne(bucket.tokens);
  }

  /** Like `take`, but counts nothing: whether the key has anything left. */
  waitFor(key: string, now = Date.now()): number {
    if (this.perMinute === 0 || !this.buckets.has(key)) return 0;
    const bucket = this.refilled(key, now);
    return bucket.tokens >= 1 ? 0 : this.secondsUntilOne(bucket.tokens);
  }

  private refilled(key: string, now: number): { tokens: number; at: number } {
    const bucket = this.buckets.get(key) ?? { tokens: this.perMinute, at: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * (this.perMinute / 60_000));
    bucket.at = now;
    this.buckets.set(key, bucket);
    return bucket;
  }

  private secondsUntilOne(tokens: number): number {
    return Math.max(1, Math.ceil((1 - tokens) / (this.perMinute / 60_000) / 1000));
  }
}
