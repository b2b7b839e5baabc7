import { createHmac } from 'node:crypto';
import { parseSigningKeys } from '@app/platform';
import { EnvelopeSigner } from './signing';

const first = { kid: 'k2', secret: 'a'.repeat(16) + 'second-secret-of-the-rotation' };
const second = { kid: 'k1', secret: 'b'.repeat(16) + 'first-secret-of-the-rotation' };
const value = Buffer.from('{"eventId":"e","position":7}');

describe('envelope signatures', () => {
  it('signs with the first key: base64 HMAC-SHA256 of the value bytes, its kid beside it', () => {
    const headers = new EnvelopeSigner([first, second]).sign(value);
    expect(headers).toEqual({ kid: 'k2', sig: createHmac('sha256', first.secret).update(value).digest('base64') });
    expect(new EnvelopeSigner([first, second]).verify(value, headers)).toBeNull();
  });

  it('verifies with every key: a message signed with the second key of the list is accepted (rotation)', () => {
    const signedWithOld = new EnvelopeSigner([second]).sign(value);
    expect(new EnvelopeSigner([first, second]).verify(value, signedWithOld)).toBeNull();
    expect(new EnvelopeSigner([first]).verify(value, signedWithOld)).toBe('signature by an unknown key (kid "k1")');
  });

  it('refuses a missing, repeated, unknown, wrong or transplanted signature', () => {
    const signer = new EnvelopeSigner([first, second]);
    const headers = signer.sign(value);
    expect(signer.verify(value, {})).toBe('signature missing (headers kid and sig)');
    expect(signer.verify(value, undefined)).toBe('signature missing (headers kid and sig)');
    expect(signer.verify(value, { kid: 'k2' })).toBe('signature missing (headers kid and sig)');
    expect(signer.verify(value, { ...headers, sig: [headers.sig, headers.sig] })).toBe('signature missing (headers kid and sig)');
    expect(signer.verify(value, { ...headers, kid: 'k9' })).toBe('signature by an unknown key (kid "k9")');
    expect(signer.verify(Buffer.from('{"eventId":"e","position":8}'), headers)).toBe('signature does not match (kid k2)');
    expect(signer.verify(value, { ...headers, sig: 'AAAA' })).toBe('signature does not match (kid k2)');
    expect(signer.verify(null, headers)).toBe('signature does not match (kid k2)');
    // Headers as consumed: Buffers.
    expect(signer.verify(value, { kid: Buffer.from(headers.kid), sig: Buffer.from(headers.sig) })).toBeNull();
  });

  it('reads EVENT_SIGNING_KEYS as kid:secret pairs, naming a bad key by its kid and never showing a secret', () => {
    const problems: string[] = [];
    expect(parseSigningKeys(`k2:${first.secret}, k1:${second.secret}`, problems)).toEqual([first, second]);
    expect(problems).toEqual([]);
    expect(parseSigningKeys(undefined, problems)).toEqual([]);
    parseSigningKeys(`k1:short-secret,k2:${first.secret},k2:${first.secret},no-colon,:${first.secret}`, problems);
    expect(problems).toEqual([
      'EVENT_SIGNING_KEYS: the secret of key k1 must have at least 32 characters',
      'EVENT_SIGNING_KEYS: the kid k2 appears twice',
      "EVENT_SIGNING_KEYS: key 4 must be kid:secret, the kid of 1 to 64 letters, digits, '.', '_' or '-'",
      "EVENT_SIGNING_KEYS: key 5 must be kid:secret, the kid of 1 to 64 letters, digits, '.', '_' or '-'",
    ]);
    expect(problems.join()).not.toContain('short-secret');
  });
});
