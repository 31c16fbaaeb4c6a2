/**
 * The bench controller: whatever switches the meters' supply, the test loads and the meters'
 * network on a real HIL bench. Scenarios see only the `BenchController` interface.
 *
 * `LineBenchController` speaks a deliberately small line protocol over TCP (a Raspberry Pi or
 * microcontroller driving contactors, programmable loads and a managed switch port; a serial
 * controller can be exposed on TCP with `ser2net`). Assumed protocol, ASCII, one command per
 * line (LF), one reply line per command, commands strictly one at a time:
 *   PING                      → OK <identification>
 *   LOAD <circuit> <watts>    → OK            set the programmable load on a circuit (0 = off)
 *   POWER ON | POWER OFF      → OK            the meters' mains supply
 *   POWER CYCLE <off_ms>      → OK            off, wait, on; replies once power is back
 *   NET CUT <seconds>         → OK            drop the meters' network port; restores by itself
 *   REF <circuit>             → OK <watts> <wh> reading of the reference meter on that circuit
 * Any failure replies `ERR <message>`. For a SCPI electronic load instead, implement the same
 * interface (e.g. `:SOUR:POW <w>` / `:INP ON`) — the rig does not care.
 */
import { Socket } from 'node:net';

export interface ReferenceReading {
  powerW: number;
  energyWh: number;
}

export interface BenchController {
  identify(): Promise<string>;
  setLoad(circuit: number, watts: number): Promise<void>;
  setPower(on: boolean): Promise<void>;
  powerCycle(offMs?: number): Promise<void>;
  cutNetwork(seconds: number): Promise<void>;
  readReference(circuit: number): Promise<ReferenceReading>;
  close(): Promise<void>;
}

export interface LineBenchOptions {
  host: string;
  port: number;
  /** Per command; POWER CYCLE gets its off time on top. */
  timeoutMs?: number;
  /** Safety limit of the bench wiring (per circuit); larger loads are refused before sending. */
  maxLoadW?: number;
  circuits?: number;
}

export class BenchProtocolError extends Error {}

/** `tcp://host:port` (HIL_BENCH_URL). */
export function parseBenchUrl(url: string): { host: string; port: number } {
  const match = /^tcp:\/\/([^:/]+):(\d{1,5})\/?$/.exec(url.trim());
  if (!match) throw new Error(`HIL_BENCH_URL must look like tcp://host:port, got "${url}"`);
  return { host: match[1], port: Number(match[2]) };
}

export class LineBenchController implements BenchController {
  private socket?: Socket;
  private buffer = '';
  private waiting?: { resolve: (line: string) => void; reject: (error: Error) => void };
  private queue: Promise<unknown> = Promise.resolve();
  private readonly timeoutMs: number;
  private readonly maxLoadW: number;
  private readonly circuits: number;

  constructor(private readonly options: LineBenchOptions) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.maxLoadW = options.maxLoadW ?? 3680; // 16 A at 230 V
    this.circuits = options.circuits ?? 10;
  }

  async identify(): Promise<string> {
    return this.command('PING');
  }

  async setLoad(circuit: number, watts: number): Promise<void> {
    this.checkCircuit(circuit);
    if (!Number.isFinite(watts) || watts < 0 || watts > this.maxLoadW) {
      throw new RangeError(`load must be 0..${this.maxLoadW} W (bench limit), got ${watts}`);
    }
    await this.command(`LOAD ${circuit} ${Math.round(watts)}`);
  }

  async setPower(on: boolean): Promise<void> {
    await this.command(on ? 'POWER ON' : 'POWER OFF');
  }

  async powerCycle(offMs = 3000): Promise<void> {
    if (!Number.isInteger(offMs) || offMs < 100 || offMs > 600_000)
      throw new RangeError(`off time must be 100..600000 ms, got ${offMs}`);
    await this.command(`POWER CYCLE ${offMs}`, offMs);
  }

  async cutNetwork(seconds: number): Promise<void> {
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > 86_400)
      throw new RangeError(`network cut must be 1..86400 s, got ${seconds}`);
    await this.command(`NET CUT ${seconds}`);
  }

  async readReference(circuit: number): Promise<ReferenceReading> {
    this.checkCircuit(circuit);
    const reply = await this.command(`REF ${circuit}`);
    const [powerW, energyWh] = reply.split(/\s+/).map(Number);
    if (!Number.isFinite(powerW) || !Number.isFinite(energyWh))
      throw new BenchProtocolError(`REF ${circuit}: expected "<watts> <wh>", got "${reply}"`);
    return { powerW, energyWh };
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, 1000).unref();
    });
  }

  /** Sends one command and returns the text after `OK` (commands are serialised). */
  command(line: string, extraTimeoutMs = 0): Promise<string> {
    const run = this.queue.then(() => this.exchange(line, extraTimeoutMs));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async exchange(line: string, extraTimeoutMs: number): Promise<string> {
    const socket = await this.connected();
    const reply = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        // The reply may still come: drop the connection so it cannot answer the next command.
        this.socket?.destroy();
        this.socket = undefined;
        reject(
          new BenchProtocolError(
            `bench controller did not answer "${line}" within ${this.timeoutMs + extraTimeoutMs} ms`,
          ),
        );
      }, this.timeoutMs + extraTimeoutMs);
      this.waiting = {
        resolve: (text) => {
          clearTimeout(timer);
          resolve(text);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      socket.write(`${line}\n`);
    });
    if (reply === 'OK') return '';
    if (reply.startsWith('OK ')) return reply.slice(3).trim();
    if (reply.startsWith('ERR'))
      throw new BenchProtocolError(
        `bench controller refused "${line}": ${reply.slice(3).trim() || 'no reason given'}`,
      );
    throw new BenchProtocolError(`bench controller answered "${line}" with "${reply}"`);
  }

  private connected(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      const fail = (error: Error) =>
        reject(
          new BenchProtocolError(
            `cannot reach the bench controller at ${this.options.host}:${this.options.port}: ${error.message}`,
          ),
        );
      socket.once('error', fail);
      socket.setEncoding('utf8');
      socket.connect(this.options.port, this.options.host, () => {
        socket.off('error', fail);
        // Events of a connection dropped earlier (after a timeout) must not touch the next command.
        socket.on('error', (error) => {
          if (this.socket === socket)
            this.waiting?.reject(new BenchProtocolError(`bench controller connection: ${error.message}`));
        });
        socket.on('close', () => {
          if (this.socket !== socket) return;
          this.socket = undefined;
          this.waiting?.reject(new BenchProtocolError('bench controller closed the connection'));
          this.waiting = undefined;
        });
        socket.on('data', (chunk: string) => {
          if (this.socket === socket) this.onData(chunk); // a late reply on a dropped connection is ignored
        });
        this.socket = socket;
        this.buffer = '';
        resolve(socket);
      });
    });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline).replace(/\r$/, '').trim();
      this.buffer = this.buffer.slice(newline + 1);
      const waiting = this.waiting;
      this.waiting = undefined;
      waiting?.resolve(line); // an unsolicited line (no command pending) is ignored
    }
  }

  private checkCircuit(circuit: number): void {
    if (!Number.isInteger(circuit) || circuit < 1 || circuit > this.circuits)
      throw new RangeError(`circuit must be 1..${this.circuits}, got ${circuit}`);
  }
}
