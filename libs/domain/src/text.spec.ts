import { textProblem, unstorableTextProblem } from './text';

describe('text rules (contract §6)', () => {
  it.each([
    ['NUL', 'a\u0000b'],
    ['a lone high surrogate', 'a\ud842b'],
    ['a lone low surrogate', '\udfb7'],
    ['a surrogate pair reversed', '\udfb7\ud842'],
  ])('%s can never be stored', (_, value) => {
    expect(unstorableTextProblem(value)).not.toBeNull();
    expect(textProblem(value)).not.toBeNull();
    expect(textProblem(value, { multiline: true })).not.toBeNull();
  });

  it.each([
    ['a character outside the BMP', '𠮷野家'],
    ['a format character beside visible text', 'ab\u200bcd'],
    ['a private-use character', '\ue000x'],
    ['Chinese with spaces', ' 郑州 航空港 '],
  ])('accepts %s', (_, value) => {
    expect(textProblem(value)).toBeNull();
  });

  it.each([
    ['tab', 'a\tb'],
    ['line feed', 'a\nb'],
    ['carriage return', 'a\r\nb'],
  ])('%s: refused in a name, allowed in a note or reason', (_, value) => {
    expect(textProblem(value)).toMatch(/control characters/);
    expect(textProblem(value, { multiline: true })).toBeNull();
  });

  it.each([
    ['ESC', 'a\u001bb'],
    ['DEL', 'a\u007fb'],
    ['a C1 control', 'a\u0085b'],
    ['a vertical tab', 'a\u000bb'],
  ])('%s is refused even where line breaks are allowed', (_, value) => {
    expect(textProblem(value, { multiline: true })).toMatch(/control characters/);
  });

  it.each([
    ['only spaces', '   '],
    ['only an ideographic space', '\u3000'],
    ['only zero-width spaces', '\u200b\u200b'],
    ['a BOM and a space', '\ufeff '],
  ])('a text of %s has nothing visible', (_, value) => {
    expect(textProblem(value)).toBe('must contain at least one visible character');
  });
});
