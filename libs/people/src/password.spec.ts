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

  it('a new password needs 10 to 200 characters, 4 distinct ones and not the username; generated ones qualify', () => {
    expect(passwordProblem('short', 'li.na')).toBe('密码至少 10 个字符');
    expect(passwordProblem('x'.repeat(201), 'li.na')).toBe('密码至多 200 个字符');
    expect(passwordProblem(42, 'li.na')).not.toBeNull();
    expect(passwordProblem('aaaaaaaaaa', 'admin')).toBe('密码至少含 4 个不同的字符');
    expect(passwordProblem('abcabcabca', 'admin')).toBe('密码至少含 4 个不同的字符');
    expect(passwordProblem('abcdabcdab', 'admin')).toBeNull();
    expect(passwordProblem('my ADMIN passphrase', 'admin')).toBe('密码不得包含用户名');
    expect(passwordProblem('Zhang.Wei-2025!', 'zhang.wei')).toBe('密码不得包含用户名');
    expect(passwordProblem('zhang wei 2025!', 'zhang.wei')).toBeNull();
    expect(passwordProblem('十个汉字也是一个好密码', 'li.na')).toBeNull();
    for (let i = 0; i < 100; i++) expect(passwordProblem(generatePassword('ab'), 'ab')).toBeNull();
  });
});
