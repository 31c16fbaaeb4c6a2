import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, WriteStream } from 'node:fs';
import { dirname, join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..');

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * A child process of the rig (backend, meters): output goes to a log file and is searchable,
 * start waits for a readiness line, stop is SIGTERM then SIGKILL, and kill(signal) is for fault injection.
 */
export class ManagedProcess {
  private child?: ChildProcess;
  private output = '';
  private log?: WriteStream;
  private exitPromise?: Promise<ProcessExit>;

  constructor(
    readonly name: string,
    private readonly file: string,
    private readonly logPath: string,
    /** Node flags before the script (the backend's: backend/src/runtime-flags.ts). */
    private readonly nodeFlags: readonly string[] = [],
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Everything printed since the last start. */
  get text(): string {
    return this.output;
  }

  async start(
    args: string[],
    env: NodeJS.ProcessEnv,
    ready: RegExp,
    timeoutMs = 60000,
  ): Promise<RegExpMatchArray> {
    if (this.running) throw new Error(`${this.name} is already running`);
    mkdirSync(dirname(this.logPath), { recursive: true });
    this.log = createWriteStream(this.logPath, { flags: 'a' });
    this.output = '';
    const child = spawn(process.execPath, [...this.nodeFlags, '-r', '@swc-node/register', join(REPO_ROOT, this.file), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exitPromise = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      this.output += text;
      if (this.output.length > 4_000_000) this.output = this.output.slice(-2_000_000);
      this.log?.write(text);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    return this.waitFor(ready, timeoutMs);
  }

  /** Resolves with the first match of `pattern` in the output since start. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const poll = () => {
        const match = this.output.match(pattern);
        if (match) return resolve(match);
        if (!this.running)
          return reject(
            new Error(`${this.name} exited before printing ${pattern}:\n${this.output.slice(-3000)}`),
          );
        if (Date.now() - started > timeoutMs) {
          return reject(
            new Error(`${this.name}: no ${pattern} within ${timeoutMs} ms:\n${this.output.slice(-3000)}`),
          );
        }
        setTimeout(poll, 50);
      };
      poll();
    });
  }

  /** Fault injection: e.g. SIGKILL, no cleanup, like a power cut of the host. Resolves with how it exited. */
  async kill(signal: NodeJS.Signals): Promise<ProcessExit | undefined> {
    if (!this.running) return undefined;
    this.child!.kill(signal);
    const exit = await this.exitPromise;
    this.log?.end();
    return exit;
  }

  async stop(timeoutMs = 10000): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), timeoutMs);
    await this.exitPromise;
    clearTimeout(timer);
    this.log?.end();
  }
}
