import type { FundLevel, UnitKind } from './vocabulary';

/**
 * The reference data the rules need, as the domain sees it. Loaded and validated from
 * files by the reference-data library; the domain never reads files itself.
 */
export interface ReferenceCatalog {
  readonly units: ReadonlyMap<string, { readonly kind: UnitKind; readonly name: string }>;
  readonly chains: ReadonlyMap<string, { readonly name: string }>;
  readonly funds: ReadonlyMap<string, { readonly level: FundLevel; readonly name: string }>;
  /** IANA zone in which periods (year, quarter, month) are computed. */
  readonly timezone: string;
}
