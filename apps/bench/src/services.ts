import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { sleep } from './stats';

const ROOT = resolve(__dirname, '..', '..', '..', '..');

export interface Services {
  readonly ingestUrl: string;
  readonly queryUrl: string;
  readonly consoleUrl: string;
  stop(): Promise<void>;
}

/** A free TCP port on loopback (the local broker's helper). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const freePort: () => Promise<number> = require(join(ROOT, 'deploy', 'kafka-local', 'kafka.js')).freePort;

/** Runs the compiled apps as their own processes, as in production, and waits until both APIs answer. */
export async function startServices(env: NodeJS.ProcessEnv, apps: readonly string[]): Promise<Services> {
  const ingestPort = await freePort();
  const queryPort = await freePort();
  const consolePort = await freePort();
  // The background services' status ports: any free one, so that a running `npm start` is no obstacle.
  const childEnv = {
    ...env,
    INGEST_PORT: String(ingestPort),
    QUERY_PORT: String(queryPort),
    CONSOLE_PORT: String(consolePort),
    RELAY_PORT: '0',
    PROJECTOR_PORT: '0',
  };
  const children: ChildProcess[] = apps.map((app) =>
    spawn(process.execPath, ['-r', join(ROOT, 'scripts', 'register-paths.js'), join(ROOT, 'dist', 'apps', app, 'src', 'main.js')], {
      env: childEnv,
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
  );
  const ingestUrl = `http://127.0.0.1:${ingestPort}`;
  const queryUrl = `http://127.0.0.1:${queryPort}`;
  const consoleUrl = `http://127.0.0.1:${consolePort}`;
  for (const [app, url] of [
    ['ingest-api', ingestUrl],
    ['query-api', queryUrl],
    ['console', consoleUrl],
  ] as const) {
    if (!apps.includes(app)) continue;
    const deadline = Date.now() + 60_000;
    while (
      !(await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (Date.now() > deadline) throw new Error(`${app} did not start`);
      await sleep(200);
    }
  }
  return {
    ingestUrl,
    queryUrl,
    consoleUrl,
    async stop() {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
              setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
            }),
        ),
      );
    },
  };
}
