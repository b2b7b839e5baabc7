import { DATABASE_SCHEMA } from '@app/migrations';
import { createLogger, loadConfig, openDataSource, poolOf } from '@app/platform';
import { PROJECTIONS, rebuildReadModels } from '@app/read-models';
import { loadReferenceData } from '@app/reference-data';

/** `npm run rebuild -- <projection>`: rebuilds a projection from the event store and swaps it in. */
async function main(): Promise<void> {
  const name = process.argv[2];
  if (!PROJECTIONS.includes(name as (typeof PROJECTIONS)[number])) {
    console.error(`usage: npm run rebuild -- <projection>   (projections: ${PROJECTIONS.join(', ')})`);
    process.exit(2);
  }
  const config = loadConfig();
  const logger = createLogger('rebuild', config.logLevel);
  const dataSource = await openDataSource({ url: config.databaseUrl, poolSize: 2, applicationName: 'rebuild' }, DATABASE_SCHEMA, logger);
  const pool = poolOf(dataSource);
  const started = Date.now();
  let reported = 0;
  const result = await rebuildReadModels(pool, loadReferenceData(), {
    onProgress: ({ events, position }) => {
      if (events - reported >= 100_000) {
        reported = events;
        logger.info({ events, position }, 'rebuilding');
      }
    },
  });
  const seconds = (Date.now() - started) / 1000;
  logger.info({ projection: name, ...result, seconds, eventsPerSecond: Math.round(result.events / seconds) }, 'rebuilt and swapped in');
  await dataSource.destroy();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
