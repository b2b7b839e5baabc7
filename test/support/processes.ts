import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** A process of ours (an app of dist/, or a script), its output kept for assertions and failures. */
export class Running {
  output = '';
  exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly exit: Promise<void>;

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk) => (this.output += chunk));
    child.stderr?.on('data', (chunk) => (this.output += chunk));
    this.exit = new Promise((resolve) => child.once('exit', (code, signal) => ((this.exited = { code, signal }), resolve())));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Waits until the output matches, or fails with what it printed. */
  async waitForOutput(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.output);
      if (match) return match;
      if (this.exited || Date.now() > deadline) {
        throw new Error(
          `no ${pattern} in the output (${this.exited ? `exited ${JSON.stringify(this.exited)}` : 'timed out'}):\n${this.output.slice(-3000)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  signal(signal: NodeJS.Signals): void {
    if (!this.exited) this.child.kill(signal);
  }

  /** Resolves with the milliseconds it took to exit after `signal`; kills it if it takes longer than `timeoutMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<number> {
    const started = Date.now();
    if (this.exited) return 0;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exit;
    clearTimeout(timer);
    return Date.now() - started;
  }
}

/** Runs a compiled app (`npm test` builds dist/ first) with the environment given. */
export function runApp(name: string, env: Record<string, string>): Running {
  const file = join(ROOT, 'dist', 'apps', name, 'src', 'main.js');
  return new Running(
    spawn(process.execPath, ['-r', join(ROOT, 'scripts', 'register-paths.js'), file], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

/** Runs a script of scripts/ (e.g. start.js) as `npm` would. */
export function runScript(name: string, args: string[], env: Record<string, string>): Running {
  return new Running(
    spawn(process.execPath, [join(ROOT, 'scripts', name), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
