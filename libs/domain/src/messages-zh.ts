/** The field messages of the parser and the API (English, for systems) in Chinese, for people: the console and the ledger import. */
const PATTERNS: ReadonlyArray<[RegExp, (m: RegExpMatchArray) => string]> = [
  [/^is required/, () => '必填'],
  [/^must be a non-empty string|must be at least 1 characters|should not be empty/, () => '不能为空'],
  [/^must be at most (\d+) characters/, (m) => `不能超过 ${m[1]} 个字符`],
  [/^must be an integer from (\d+) to/, (m) => (m[1] === '0' ? '必须是不小于 0 的整数（万元）' : '必须是大于 0 的整数（万元）')],
  [/^must be true or false/, () => '请选择是或否'],
  [/^must be one of|must be a non-empty list/, () => '请从列表中选择'],
  [/^must not repeat/, () => '不能重复选择'],
  [/^is not a known [\w ]+ code/, () => '请从列表中选择'],
  [/^is not a known field/, () => '不支持的字段'],
  [/^must be an 18-character unified social credit code/, () => '统一社会信用代码应为 18 位'],
  [/check character wrong|unified social credit code/, () => '统一社会信用代码无效（校验位错误）'],
  [/^must be an ISO-8601 date-time|is not a real date-time/, () => '请填写有效的日期时间'],
  [/is more than 24 h ahead/, () => '不能晚于当前时间 24 小时以上'],
  [/is before 2000-01-01/, () => '不能早于 2000-01-01'],
  [/^must be a UUID/, () => '编号格式错误'],
  [/no NUL|control characters|visible character|format character/, () => '包含不允许的字符'],
  [/must be a string/, () => '请填写'],
];

export function fieldMessageZh(message: string): string {
  for (const [pattern, chinese] of PATTERNS) {
    const match = message.match(pattern);
    if (match) return chinese(match);
  }
  return /[\u4e00-\u9fff]/.test(message) ? message : '输入有误';
}
