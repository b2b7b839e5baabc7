import type { ApiFailure, FieldError } from './api';

/** The API's messages (English, for systems) in Chinese, for people. */
const PATTERNS: ReadonlyArray<[RegExp, (m: RegExpMatchArray) => string]> = [
  [/^is required/, () => '必填'],
  [/^must be a non-empty string|must be at least 1 characters|should not be empty/, () => '不能为空'],
  [/^must be at most (\d+) characters/, (m) => `不能超过 ${m[1]} 个字符`],
  [/^must be an integer from (\d+) to/, (m) => (m[1] === '0' ? '必须是不小于 0 的整数（万元）' : '必须是大于 0 的整数（万元）')],
  [/^must be true or false/, () => '请选择是或否'],
  [/^must be one of|must be a non-empty list/, () => '请从列表中选择'],
  [/^must not repeat/, () => '不能重复选择'],
  [/^is not a known (\w+) code/, () => '不是有效的选项'],
  [/^is not a known field/, () => '不支持的字段'],
  [/check character wrong|unified social credit code/, () => '统一社会信用代码无效（校验位错误）'],
  [/^must be an ISO-8601 date-time|is not a real date-time/, () => '请填写有效的日期时间'],
  [/is more than 24 h ahead/, () => '不能晚于当前时间 24 小时以上'],
  [/is before 2000-01-01/, () => '不能早于 2000-01-01'],
  [/^must be a UUID/, () => '编号格式错误'],
  [/no NUL|control characters|visible character|format character/, () => '包含不允许的字符'],
  [/must be a string/, () => '请填写'],
];

export function fieldMessage(message: string): string {
  for (const [pattern, chinese] of PATTERNS) {
    const match = message.match(pattern);
    if (match) return chinese(match);
  }
  return /[\u4e00-\u9fff]/.test(message) ? message : '输入有误';
}

const RULES: Record<string, string> = {
  project_dropped: '项目已终止，不能再记录',
  already_signed: '项目已签约',
  not_signed: '项目尚未签约，不能开工',
  already_started: '项目已开工',
  drop_after_signing: '已签约的项目不能终止',
  stage_not_reached: '项目尚未到达该阶段',
  stage_dates_out_of_order: '日期顺序不对：签约不能早于线索，开工不能早于签约',
};

/** The whole failure in Chinese, for the top of a form. */
export function failureMessage(failure: ApiFailure): string {
  if (failure.status === 400) return '请检查标出的字段';
  if (failure.status === 401) return '登录已过期，请重新登录';
  if (failure.status === 403) return '没有权限执行此操作';
  if (failure.status === 404) return '未找到';
  if (failure.status === 409) return '数据已被他人修改或已存在，请刷新后再试';
  if (failure.status === 413) return '内容过长';
  if (failure.status === 422) return RULES[failure.code] ?? '不符合项目生命周期规则';
  if (failure.status === 429)
    return failure.code === 'locked' ? '连续登录失败次数过多，该账号在此地址已锁定 15 分钟' : '操作太频繁，请稍后再试';
  return '服务暂时不可用，请稍后再试';
}

/** Field errors by field name, in Chinese. */
export function fieldErrors(details: readonly FieldError[]): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const { field, message } of details) errors[field] ??= fieldMessage(message);
  return errors;
}
