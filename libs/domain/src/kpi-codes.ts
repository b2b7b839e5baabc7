/** The KPI codes of contract §3: the city's, and each zone's and district's. */
export const CITY_KPI_CODES = [
  'signed_total_wan',
  'started_total_wan',
  'fund_signed_count',
  'fund_invested_count',
  'intermediary_signed_count',
  'university_signed_count',
  'outbound_activity_count',
  'inbound_enterprise_count',
  'region_signed_count.jjj',
  'region_signed_count.yrd',
  'region_signed_count.gba',
  'industry_chain_signed_wan',
  'research_institute_count',
  'emerging_future_share',
  'major_emerging_signed_count',
  'park_vc_signed_count',
  'park_vc_signed_wan',
  'sci_city_signed_count',
] as const;

export const UNIT_KPI_CODES = [
  'unit.mega_signed_count',
  'unit.fund_landed_count',
  'unit.industry_chain_signed_count',
  'unit.signed_total_wan',
] as const;
