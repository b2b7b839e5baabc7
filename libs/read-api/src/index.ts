import type { Provider } from '@nestjs/common';
import type { ServiceDeps } from '@app/platform';
import { KpiChanges, KpiQueries, QualityFlags, Reports } from '@app/read-models';
import { Freshness } from './freshness';
import { CurrentReports } from './current-reports';
import { Revisions } from './revisions';
import { ReadController } from './read.controller';
import { ReferenceController } from './reference.controller';

export { Freshness } from './freshness';
export { projectScopeOf, visibleUnitResults } from './read-scope';
export { IsInstant, instantOf } from './query-dtos';

/**
 * The read API of contract §4, as controllers and providers that an app mounts beside its own
 * auth guard (the query API: API keys; the console: sessions). `freshness` follows the
 * projections for `minPosition`; the app starts it and stops it. The app must also provide
 * REFERENCE_DATA.
 */
export const READ_CONTROLLERS = [ReadController, ReferenceController];

export function readProviders(deps: ServiceDeps, freshness: Freshness): Provider[] {
  const kpis = new KpiQueries(deps.pool, deps.reference);
  return [
    { provide: KpiQueries, useValue: kpis },
    { provide: CurrentReports, useValue: new CurrentReports(freshness.watermark) },
    { provide: Reports, useValue: new Reports(deps.pool, deps.reference) },
    { provide: Revisions, useValue: new Revisions(deps.pool, kpis) },
    { provide: KpiChanges, useValue: new KpiChanges(deps.pool, deps.reference, kpis) },
    { provide: QualityFlags, useValue: new QualityFlags(deps.pool, deps.reference) },
    { provide: Freshness, useValue: freshness },
  ];
}
