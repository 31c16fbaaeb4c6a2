/**
 * A SCPI instrument on a TCP port (raw socket, LF-terminated, like port 5025 of a real one): a
 * table of command headers, an IEEE 488.2 error queue read by `SYST:ERR?`, `*IDN?`, `*RST`. It
 * understands the short forms our drivers send (hil-tests/instruments); anything else is -113
 * "Undefined header", a bad number -104, a setting outside the instrument's range -222 — the codes
 * of SCPI-99 vol. 2 ch. 21, so the drivers meet the same refusals a real instrument gives.
 * `misbehave` makes it go silent or answer garbage, for the drivers' error tests.
 */
import { createServer, Server, Socket } from 'node:net';

export class ScpiError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** A set handler gets the argument text; a query handler returns the reply line. */
export type ScpiHandlers = Record<string, (argument: string) => string | void>;

export function scpiArgNumber(argument: string, min: number, max: number): number {
  const value = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(argument.trim()) ? Number(argument) : NaN;
  if (!Number.isFinite(value)) throw new ScpiError(-104, 'Data type error');
  if (value < min || value > max) throw new ScpiError(-222, 'Data out of range');
  return value;
}

export function scpiArgBool(argument: string): boolean {
  const word = argument.trim().toUpperCase();
  if (word === 'ON' || word === '1') return true;
  if (word === 'OFF' || word === '0') return false;
  throw new ScpiError(-104, 'Data type error');
}

export class ScpiServer {
  /** 'silent': reads and answers nothing; 'garbage': answers every query with noise. */
  misbehave?: 'silent' | 'garbage';
  private server?: Server;
  private readonly errors: { code: number; message: string }[] = [];
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly identity: string,
    private readonly handlers: ScpiHandlers,
  ) {}

  async start(port = 0): Promise<number> {
    const server = createServer((socket) => this.serve(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return (server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Executes one program message; returns the reply line of a query, or undefined. */
  execute(line: string): string | undefined {
    const [header, ...rest] = line.trim().split(/\s+/);
    const argument = rest.join(' ');
    const key = header.toUpperCase();
    try {
      if (key === 'SYST:ERR?' || key === 'SYSTEM:ERROR?') {
        const error = this.errors.shift() ?? { code: 0, message: 'No error' };
        return `${error.code},"${error.message}"`;
      }
      if (key === '*IDN?') return this.identity;
      if (key === '*CLS') return void this.errors.splice(0);
      const handler = this.handlers[key];
      if (!handler) throw new ScpiError(-113, 'Undefined header');
      const reply = handler(argument);
      if (key.endsWith('?')) return reply ?? '';
      return undefined;
    } catch (error) {
      const scpi = error instanceof ScpiError ? error : new ScpiError(-200, 'Execution error');
      if (this.errors.length < 16) this.errors.push({ code: scpi.code, message: scpi.message });
      else this.errors[15] = { code: -350, message: 'Queue overflow' };
      return undefined; // a failed query answers nothing, like a real instrument: the client times out
    }
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setEncoding('latin1');
    let buffer = '';
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > 65_536) return void socket.destroy();
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).replace(/\r$/, '');
        buffer = buffer.slice(newline + 1);
        if (this.misbehave === 'silent' || line.trim() === '') continue;
        const reply = this.execute(line);
        if (reply === undefined) continue;
        socket.write(`${this.misbehave === 'garbage' ? '#\x01?garbage' : reply}\n`);
      }
    });
  }
}
