import { ReadModels1700000000003 } from './1700000000003-read-models';
import { BiViews1700000000004 } from './1700000000004-bi-views';
import { CoveringInboundVisits1700000000008 } from './1700000000008-covering-inbound-visits';
import { BiLookupViews1700000000012 } from './1700000000012-bi-lookup-views';

/** The read models' part of the database schema, as TypeORM migrations (the whole list is in libs/migrations). */
export const READ_MODEL_MIGRATIONS = [ReadModels1700000000003, BiViews1700000000004];

/** Later steps of the read models' schema, after the console's people (1700000000007). */
export const LATER_READ_MODEL_MIGRATIONS = [CoveringInboundVisits1700000000008, BiLookupViews1700000000012];
