'use strict';
/**
 * `npm run bench [-- --smoke] [-- --json out.json]`: builds, brings up a private Kafka broker
 * (unless KAFKA_BROKERS is set) and runs the benchmark suite (apps/bench) on the real
 * PostgreSQL; its databases are dropped at the end. See BENCHMARKS.md.
 */
const crypto = require('node:crypto');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { ROOT, ensureDependencies, build, withPrivateKafka } = require('./common');

async function main() {
  ensureDependencies();
  build();
  const runId = `b${Date.now().toString(36)}${crypto.randomBytes(2).toString('hex')}`;
  const status = await withPrivateKafka(runId, async (kafkaEnv) => {
    // The benchmark's apps share one environment and topic prefixes made up as it goes: they
    // connect as the broker's super user rather than each as its own principal.
    const admin = kafkaEnv.KAFKA_TEST_USERS ? { KAFKA_USERNAME: 'admin', KAFKA_PASSWORD: JSON.parse(kafkaEnv.KAFKA_TEST_USERS).admin } : {};
    const bench = spawnSync(
      process.execPath,
      [
        '--max-old-space-size=8192',
        '-r',
        path.join(__dirname, 'register-paths.js'),
        path.join(ROOT, 'dist', 'apps', 'bench', 'src', 'main.js'),
        ...process.argv.slice(2),
      ],
      { cwd: ROOT, env: { ...process.env, ...kafkaEnv, ...admin }, stdio: 'inherit' },
    );
    return bench.status ?? 1;
  });
  process.exit(status);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
