import { groupDigits, ledgerAmount, ledgerTime, shanghaiText } from './values';

describe('ledger amounts', () => {
  it.each([
    ['12000', '万元', 12000],
    ['12,000', '万元', 12000],
    ['１２，０００', '万元', 12000],
    ['５００００', '万元', 50000],
    [' 1,234,567 ', '万元', 1234567],
    [50000, '万元', 50000],
    ['1.5', '亿元', 15000],
    [1.5, '亿元', 15000],
    ['12.3456', '亿元', 123456],
    [12.3456, '亿元', 123456],
    ['12', '亿元', 120000],
    ['1,200.5', '亿元', 12005000],
    ['０.０００１', '亿元', 1],
  ] as const)('%j in %s is %d 万元, exactly, without a note', (cell, unit, wan) => {
    expect(ledgerAmount(cell, unit)).toEqual({ ok: true, value: wan });
  });

  it.each([
    ['０.５', '万元', 1, '“０.５”四舍五入为 1 万元'],
    ['0.4', '万元', 0, '“0.4”四舍五入为 0 万元'],
    [12000.5, '万元', 12001, '“12000.5”四舍五入为 12,001 万元'],
    ['1.23456789', '亿元', 12346, '“1.23456789”亿元 = 12,345.6789 万元，四舍五入为 12,346 万元'],
    ['0.00004', '亿元', 0, '“0.00004”亿元 = 0.4 万元，四舍五入为 0 万元'],
  ] as const)('%j in %s is rounded half up to %d 万元, with a note', (cell, unit, wan, note) => {
    expect(ledgerAmount(cell, unit)).toEqual({ ok: true, value: wan, note });
  });

  it.each([
    ['12亿', '万元', '“12亿”不是数字，应为数字，如 12000 或 12,000（单位：万元）'],
    ['1,20,000', '万元', '“1,20,000”不是数字，应为数字，如 12000 或 12,000（单位：万元）'],
    ['约5000', '万元', '“约5000”不是数字，应为数字，如 12000 或 12,000（单位：万元）'],
    ['abc', '亿元', '“abc”不是数字，应为数字，如 12.5 或 1,200（单位：亿元）'],
    [true, '万元', '“TRUE”不是数字，应为数字，如 12000 或 12,000（单位：万元）'],
  ] as const)('%j in %s is refused with the value and the accepted form', (cell, unit, reason) => {
    expect(ledgerAmount(cell, unit)).toEqual({ ok: false, reason });
  });

  it('keeps the sign for the domain to refuse, and refuses what no integer holds', () => {
    expect(ledgerAmount('-5', '万元')).toEqual({ ok: true, value: -5 });
    expect(ledgerAmount('99999999999999999999', '万元')).toMatchObject({ ok: false, reason: expect.stringContaining('数值过大') });
  });

  it('groups digits', () => {
    expect([0, 999, 1000, 123456, 12345678, -1234].map(groupDigits)).toEqual(['0', '999', '1,000', '123,456', '12,345,678', '-1,234']);
  });
});

describe('ledger times', () => {
  it.each([
    ['2025年3月5日', '2025-03-05T00:00:00+08:00'],
    ['2025年03月05日 10:30', '2025-03-05T10:30:00+08:00'],
    ['2025年3月5日10:30', '2025-03-05T10:30:00+08:00'],
    ['2025.3.5', '2025-03-05T00:00:00+08:00'],
    ['2025/3/5 9:05', '2025-03-05T09:05:00+08:00'],
    ['2025-03-05', '2025-03-05T00:00:00+08:00'],
    ['2025-03-05 10:00:30', '2025-03-05T10:00:30+08:00'],
    ['２０２５年３月５日', '2025-03-05T00:00:00+08:00'],
    ['2025-03-05T10:00:00Z', '2025-03-05T10:00:00Z'],
    ['2025-03-05T10:00:00+09:00', '2025-03-05T10:00:00+09:00'],
    ['2024年2月29日', '2024-02-29T00:00:00+08:00'],
    [{ excelDate: 45721 }, '2025-03-05T00:00:00+08:00'],
    [{ excelDate: 45721.4375 }, '2025-03-05T10:30:00+08:00'],
    [45721, '2025-03-05T00:00:00+08:00'],
  ] as const)('%j is %s (Asia/Shanghai without an offset)', (cell, iso) => {
    expect(ledgerTime(cell)).toEqual({ ok: true, value: iso });
  });

  it.each([
    ['2025年2月30日', '“2025年2月30日”不是有效日期'],
    ['2025年13月5日', '“2025年13月5日”不是有效日期'],
    ['2025-02-29', '“2025-02-29”不是有效日期'],
    ['2025/3/5 24:00', '“2025/3/5 24:00”不是有效日期'],
    ['2025-3/5', '“2025-3/5”不是日期'],
    ['三月五日', '“三月五日”不是日期'],
    ['20250305', '“20250305”不是日期'],
    [-3, '“-3”不是日期'],
  ] as const)('%j is refused: %s, with the accepted form', (cell, start) => {
    expect(ledgerTime(cell)).toEqual({ ok: false, reason: `${start}，应为 2025-03-05 或 2025年3月5日（可加时间，如 2025-03-05 10:00）` });
  });

  it('shows an instant as Beijing wall time', () => {
    expect(shanghaiText('2025-03-31T20:00:00Z')).toBe('2025-04-01 04:00');
    expect(shanghaiText('2025-03-05T10:00:30+08:00')).toBe('2025-03-05 10:00:30');
  });
});
