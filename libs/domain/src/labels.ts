import type { ActivityKind, Channel, OriginRegion, Sector, VisitDirection } from './vocabulary';

/** The Chinese names of the fixed vocabularies (contract §1), for pick-lists, the console and exports. */
export const CHANNEL_NAMES: Readonly<Record<Channel, string>> = {
  fund: '基金招商',
  intermediary: '中介招商',
  university: '校企合作',
  industry_chain: '产业链招商',
  park_vc: '园区+创投',
  research_institute: '产业链+研究院',
  overseas: '境外招商',
  live_commerce: '直播/首店经济',
  platform: '平台载体',
  event: '重大活动签约',
  other: '其他',
};

export const ORIGIN_REGION_NAMES: Readonly<Record<OriginRegion, string>> = {
  jjj: '京津冀',
  yrd: '长三角',
  gba: '粤港澳大湾区',
  henan: '省内',
  other_domestic: '国内其他地区',
  hkmo: '港澳',
  europe_us: '欧美',
  japan_korea: '日韩',
  asean: '东盟/东南亚',
  central_asia: '中亚',
  other_overseas: '境外其他地区',
};

export const SECTOR_NAMES: Readonly<Record<Sector, string>> = { emerging: '新兴产业', future: '未来产业', other: '其他' };

export const VISIT_DIRECTION_NAMES: Readonly<Record<VisitDirection, string>> = { inbound: '来访', outbound: '外出拜访' };

export const ACTIVITY_KIND_NAMES: Readonly<Record<ActivityKind, string>> = {
  outbound: '外出招商',
  inbound: '来访接待',
  conference: '推介会/会议',
};

export const STAGE_NAMES = { lead: '线索', negotiating: '在谈', signed: '签约', started: '开工', dropped: '终止' } as const;

/** KPI statuses as the console, the CSV and the workbook say them (contract §3). */
export const KPI_STATUS_NAMES = { met: '达标', on_track: '序时推进', behind: '滞后' } as const;
