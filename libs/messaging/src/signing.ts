import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IHeaders } from 'kafkajs';
import type { SigningKey } from '@app/platform';

/** The headers of a signed envelope (contract §5): the key's id and the base64 HMAC-SHA256 of the value's bytes. */
export const KEY_ID_HEADER = 'kid';
export const SIGNATURE_HEADER = 'sig';

/**
 * Signs the envelopes the relay publishes and verifies them where they are consumed
 * (EVENT_SIGNING_KEYS): the first key signs, every key verifies, so a key is rotated by
 * adding it, then moving it first, then removing the old one once nothing signed with it is
 * left to read.
 */
export class EnvelopeSigner {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly signingKid: string;

  constructor(keys: readonly SigningKey[]) {
    if (keys.length === 0) throw new Error('EnvelopeSigner: no signing key');
    this.keys = new Map(keys.map((key) => [key.kid, Buffer.from(key.secret, 'utf8')]));
    this.signingKid = keys[0].kid;
  }

  /** The two headers for `value`. */
  sign(value: Buffer): { [KEY_ID_HEADER]: string; [SIGNATURE_HEADER]: string } {
    return { kid: this.signingKid, sig: this.mac(this.keys.get(this.signingKid)!, value).toString('base64') };
  }

  /** Null when the message is signed by a known key; otherwise why not. */
  verify(value: Buffer | null, headers: IHeaders | undefined): string | null {
    const kid = headerText(headers?.[KEY_ID_HEADER]);
    const sig = headerText(headers?.[SIGNATURE_HEADER]);
    if (kid === null || sig === null) return 'signature missing (headers kid and sig)';
    const key = this.keys.get(kid);
    if (!key) return `signature by an unknown key (kid ${JSON.stringify(kid.slice(0, 64))})`;
    const expected = this.mac(key, value ?? Buffer.alloc(0));
    const given = Buffer.from(sig, 'base64');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return `signature does not match (kid ${kid})`;
    return null;
  }

  private mac(key: Buffer, value: Buffer): Buffer {
    return createHmac('sha256', key).update(value).digest();
  }
}

/** A header as text; null when absent or repeated (a message signed twice is not trusted). */
function headerText(value: IHeaders[string]): string | null {
  if (value === undefined || Array.isArray(value)) return null;
  return Buffer.isBuffer(value) ? value.toString('utf8') : value;
}
