/**
 * Runs the lin build of the firmware (the virtual board, device/platform/lin) headless: one Xvfb
 * display shared by the boards of a process, `mcsim <image>` per board with its working directory
 * as the board's storage (flash-records.bin, flash-events.bin, nvs.json, LittleFS files, OTA slots, board.json).
 * Provisioning goes where a factory step puts it on the ESP32: NVS domain `prov`.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, WriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findExecutable } from '../../../infra/dev/servers';

export interface BoardProvisioning {
  deviceId: string;
  mqttUrl: string;
  /** The board's broker login (`dinmeter device add`): NVS `prov` keys `user` and `pw`, as on the ESP32. */
  mqttLogin?: { username: string; password: string };
  intervalS: number;
  /** The board's command key, 64 hex digits (docs/security.md "Signed commands"); none: it refuses every command and plan. */
  commandKey?: string;
}

export interface BoardOptions {
  seed?: number;
  /** Tear this storage write (1 = the first after boot) and stop the board (device/platform/lin/power.ts). */
  powerCutAtWrite?: number;
}

let display: { number: number; server: ChildProcess; users: number } | undefined;

/** Starts (or shares) an Xvfb server: mcsim is a GTK program and needs a display. */
async function acquireDisplay(): Promise<number> {
  if (display) {
    display.users++;
    return display.number;
  }
  const xvfb = findExecutable('Xvfb');
  if (!xvfb) throw new Error('Xvfb is missing: apt-get install xvfb');
  const server = spawn(xvfb, ['-displayfd', '3', '-screen', '0', '640x480x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  const number = await new Promise<number>((resolve, reject) => {
    let text = '';
    let errors = '';
    const timer = setTimeout(() => reject(new Error(`Xvfb did not start: ${errors}`)), 20_000);
    server.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    (server.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (!text.includes('\n')) return;
      clearTimeout(timer);
      resolve(Number(text.trim()));
    });
    server.once('exit', (code) => reject(new Error(`Xvfb exited with ${code}: ${errors}`)));
  });
  display = { number, server, users: 1 };
  return number;
}

function releaseDisplay(): void {
  if (!display || --display.users > 0) return;
  const { server } = display;
  display = undefined;
  server.kill('SIGTERM');
  for (const stream of server.stdio) stream?.destroy();
  server.unref();
}

/** One virtual board: its storage folder, and the mcsim process while it runs. */
export class VirtualBoardProcess {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private log?: WriteStream;
  private output = '';
  /** The Xvfb display this board holds (from its first start to stop). */
  private display?: number;

  constructor(
    readonly image: string,
    readonly dir: string,
    /** The SDK's simulator host (build/bin/lin/release/mcsim). */
    private readonly mcsim: string,
  ) {}

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Console output since the last start. */
  get text(): string {
    return this.output;
  }

  /** Writes the board's provisioning (NVS `prov`) and its board.json; storage files are kept. */
  configure(provisioning: BoardProvisioning, options: BoardOptions = {}): void {
    mkdirSync(this.dir, { recursive: true });
    const nvsPath = join(this.dir, 'nvs.json');
    const nvs = existsSync(nvsPath) ? (JSON.parse(readFileSync(nvsPath, 'utf8')) as Record<string, Record<string, unknown>>) : {};
    const login = provisioning.mqttLogin;
    nvs.prov = {
      id: provisioning.deviceId,
      ssid: 'virtual-board',
      mqtt: provisioning.mqttUrl,
      interval: provisioning.intervalS,
      ...(login ? { user: login.username, pw: login.password } : {}),
      ...(provisioning.commandKey !== undefined ? { ckey: provisioning.commandKey } : {}),
    };
    writeFileSync(nvsPath, JSON.stringify(nvs));
    const board: Record<string, number> = { seed: options.seed ?? 1 };
    if (options.powerCutAtWrite !== undefined) board.powerCutAtWrite = options.powerCutAtWrite;
    writeFileSync(join(this.dir, 'board.json'), JSON.stringify(board));
  }

  /** Boots the image; resolves once it printed `ready` (default: the firmware's boot report). */
  async start(timeoutMs = 60_000, ready: RegExp = /dinmeter \S+ \([a-z]+\): \{/): Promise<void> {
    if (this.running) throw new Error(`board in ${this.dir} is already running`);
    if (!existsSync(this.mcsim)) throw new Error(`${this.mcsim} not found: build the SDK tools (npm run firmware -- lin)`);
    this.display ??= await acquireDisplay();
    const number = this.display;
    this.log = createWriteStream(join(this.dir, 'console.log'), { flags: 'a' });
    this.output = '';
    // XS prints trace() with printf: line-buffer stdout so each line arrives when it is printed.
    const child = spawn('stdbuf', ['-oL', '-eL', this.mcsim, this.image], {
      cwd: this.dir,
      env: { ...process.env, DISPLAY: `:${number}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const take = (chunk: Buffer): void => {
      const text = chunk.toString();
      this.output += text;
      if (this.output.length > 4_000_000) this.output = this.output.slice(-2_000_000);
      this.log?.write(text);
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    await this.waitFor(ready, timeoutMs);
  }

  /** Resolves with the first match of `pattern` in the console output since start. */
  async waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const started = Date.now();
    for (;;) {
      const match = this.output.match(pattern);
      if (match) return match;
      if (!this.running) throw new Error(`virtual board exited before printing ${pattern}:\n${this.output.slice(-3000)}`);
      if (Date.now() - started > timeoutMs) throw new Error(`virtual board: no ${pattern} within ${timeoutMs} ms:\n${this.output.slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The supply goes: SIGKILL, nothing runs after it (the default and the only way the board stops). */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.running) {
      this.child!.kill(signal);
      await this.exited;
    }
    this.log?.end();
    this.child = undefined;
  }

  async stop(): Promise<void> {
    await this.kill('SIGKILL');
    if (this.display === undefined) return;
    this.display = undefined;
    releaseDisplay();
  }
}
