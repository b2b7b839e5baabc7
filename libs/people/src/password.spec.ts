import { generatePassword, hashPassword, passwordProblem, verifyPassword } from './password';

describe('password hashes', () => {
  it('verify the password they were made from and no other', async () => {
    const stored = await hashPassword('正确的马电池钉书针');
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(await verifyPassword('正确的马电池钉书针', stored)).toBe(true);
    expect(await verifyPassword('正确的马电池钉书钉', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('are salted: the same password hashes differently each time', async () => {
    const [a, b] = await Promise.all([hashPassword('same password'), hashPassword('same password')]);
    expect(a).not.toBe(b);
    expect(await verifyPassword('same password', b)).toBe(true);
  });

  it('compare text in one normal form: a composed and a decomposed é are the same password', async () => {
    const stored = await hashPassword('caf\u00e9 au lait!');
    expect(await verifyPassword('cafe\u0301 au lait!', stored)).toBe(true);
  });

  it('refuse a malformed stored hash instead of throwing', async () => {
    expect(await verifyPassword('x', 'md5$abc')).toBe(false);
    expect(await verifyPassword('x', '')).toBe(false);
  });

  it('a new password needs 10 to 200 characters; generated ones qualify', () => {
    expect(passwordProblem('short')).toContain('至少');
    expect(passwordProblem('x'.repeat(201))).toContain('至多');
    expect(passwordProblem(42)).not.toBeNull();
    expect(passwordProblem('十个汉字也是一个好密码')).toBeNull();
    expect(passwordProblem(generatePassword())).toBeNull();
  });
});
