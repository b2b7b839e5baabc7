import fc from 'fast-check';
import { VALID_CREDIT_CODES } from '../../../test/support/fixtures';
import { creditCodeCheckCharacter, isValidCreditCode } from './credit-code';

describe('unified social credit code', () => {
  it.each(VALID_CREDIT_CODES)('accepts the real code %s, also in lower case', (code) => {
    expect(isValidCreditCode(code)).toBe(true);
    expect(isValidCreditCode(code.toLowerCase())).toBe(true);
  });

  it.each(['', '91110000600037341', '91110000600037341LL', '9111000060003734IL', '91110000600037341M'])('refuses %s', (code) => {
    expect(isValidCreditCode(code)).toBe(false);
  });

  it('refuses any code whose check character is replaced by another', () => {
    const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY'.split('');
    fc.assert(
      fc.property(fc.constantFrom(...VALID_CREDIT_CODES), fc.constantFrom(...alphabet), (code, other) => {
        fc.pre(other !== code[17]);
        expect(isValidCreditCode(code.slice(0, 17) + other)).toBe(false);
      }),
    );
  });

  it('the check character makes any 17 characters of the alphabet a valid code', () => {
    const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY'.split('');
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { minLength: 17, maxLength: 17 }), (chars) => {
        const first17 = chars.join('');
        expect(isValidCreditCode(first17 + creditCodeCheckCharacter(first17))).toBe(true);
      }),
    );
  });
});
