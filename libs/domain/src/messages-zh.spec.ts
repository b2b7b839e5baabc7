import { fieldMessageZh } from './messages-zh';

describe('field messages in Chinese', () => {
  it('a code not in a pick-list asks to choose from it, whatever the list (a chain included)', () => {
    expect(fieldMessageZh('is not a known industry chain code')).toBe('请从列表中选择');
    expect(fieldMessageZh('is not a known unit code')).toBe('请从列表中选择');
  });

  it('a credit code of the wrong length says so; one of 18 characters with a wrong check character says that', () => {
    expect(fieldMessageZh('must be an 18-character unified social credit code')).toBe('统一社会信用代码应为 18 位');
    expect(fieldMessageZh('is not a valid 18-character unified social credit code (check character wrong)')).toBe(
      '统一社会信用代码无效（校验位错误）',
    );
  });
});
