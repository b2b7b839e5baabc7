import { fieldMessageZh } from '../../../libs/domain/src/messages-zh';
import type { ApiFailure, FieldError } from './api';

const RULES: Record<string, string> = {
  project_dropped: '项目已终止，不能再记录',
  already_signed: '项目已签约',
  not_signed: '项目尚未签约，不能开工',
  already_started: '项目已开工',
  drop_after_signing: '已签约的项目不能终止',
  stage_not_reached: '项目尚未到达该阶段',
  stage_dates_out_of_order: '日期顺序不对：签约不能早于线索，开工不能早于签约',
};

/** Event types as people name them (时间线, 数据质量). */
export const EVENT_NAMES: Readonly<Record<string, string>> = {
  LeadRegistered: '登记线索',
  VisitRecorded: '走访',
  FundInvestmentMade: '基金投资',
  ProjectSigned: '签约',
  ProjectStarted: '开工',
  ProjectCorrected: '更正',
  ProjectDropped: '终止',
  ActivityHeld: '招商活动',
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

/** The ways the API says a field was left empty, said one way on every form. */
const EMPTY = new Set(['必填', '不能为空', '请填写']);

/** Field errors by field name, in Chinese. */
export function fieldErrors(details: readonly FieldError[]): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const { field, message } of details) {
    const chinese = fieldMessageZh(message);
    errors[field] ??= EMPTY.has(chinese) ? '必填' : chinese;
  }
  return errors;
}
