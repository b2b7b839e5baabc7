import { ReadModels1700000000003 } from './1700000000003-read-models';
import { BiViews1700000000004 } from './1700000000004-bi-views';
import { CoveringInboundVisits1700000000008 } from './1700000000008-covering-inbound-visits';
import { InvestorIdentity1700000000009 } from './1700000000009-investor-identity';
import { ReadModelsCarryTheirEvents1700000000012 } from './1700000000012-read-models-carry-their-events';
import { BiLookupViews1700000000013 } from './1700000000013-bi-lookup-views';

/** The read models' part of the database schema, as TypeORM migrations (the whole list is in libs/migrations). */
export const READ_MODEL_MIGRATIONS = [ReadModels1700000000003, BiViews1700000000004];

/** Later steps of the read models' schema, after the console's people (1700000000007). */
export const LATER_READ_MODEL_MIGRATIONS = [
  CoveringInboundVisits1700000000008,
  InvestorIdentity1700000000009,
  ReadModelsCarryTheirEvents1700000000012,
  BiLookupViews1700000000013,
];

/** Filled from the store on a database made before it: its test migrates one down and up again. */
export { ReadModelsCarryTheirEvents1700000000012 };
