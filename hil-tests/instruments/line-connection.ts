/**
 * One TCP connection to an instrument that answers line by line (SCPI over a raw socket, port
 * 5025, IEEE 488.2 message terminator LF). Requests are strictly one at a time; a reply that comes
 * after its timeout cannot answer the next request, because the connection is dropped on timeout.
 */
import { Socket } from 'node:net';

export class InstrumentError extends Error {}

export interface Endpoint {
  host: string;
  port: number;
}

export class LineConnection {
  private socket?: Socket;
  private buffer = '';
  private waiting?: { resolve: (line: string) => void; reject: (error: Error) => void };
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    /** For messages: "AC source 10.0.0.10:5025". */
    readonly name: string,
    private readonly endpoint: Endpoint,
    private readonly timeoutMs: number,
  ) {}

  /** Sends a line without waiting for an answer (SCPI set commands answer nothing). */
  send(line: string): Promise<void> {
    return this.serialised(async () => {
      const socket = await this.connected();
      socket.write(`${line}\n`);
    });
  }

  /** Sends a line and resolves with the next line the instrument sends back. */
  request(line: string): Promise<string> {
    return this.serialised(() => this.exchange(line));
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

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async exchange(line: string): Promise<string> {
    const socket = await this.connected();
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        this.socket?.destroy();
        this.socket = undefined;
        reject(new InstrumentError(`${this.name} did not answer "${line}" within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
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
  }

  private connected(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    const { host, port } = this.endpoint;
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new InstrumentError(`cannot reach the ${this.name} at ${host}:${port}: no connection within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const fail = (error: Error) => {
        clearTimeout(timer);
        reject(new InstrumentError(`cannot reach the ${this.name} at ${host}:${port}: ${error.message}`));
      };
      socket.once('error', fail);
      socket.setEncoding('latin1');
      socket.connect(port, host, () => {
        clearTimeout(timer);
        socket.off('error', fail);
        socket.setNoDelay(true);
        socket.on('error', (error) => {
          if (this.socket === socket) this.waiting?.reject(new InstrumentError(`${this.name} connection: ${error.message}`));
        });
        socket.on('close', () => {
          if (this.socket !== socket) return;
          this.socket = undefined;
          this.waiting?.reject(new InstrumentError(`${this.name} closed the connection`));
          this.waiting = undefined;
        });
        socket.on('data', (chunk: string) => {
          if (this.socket === socket) this.onData(chunk);
        });
        this.socket = socket;
        this.buffer = '';
        resolve(socket);
      });
    });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    if (this.buffer.length > 65_536) {
      this.waiting?.reject(new InstrumentError(`${this.name} sent more than 64 KiB without a line end`));
      this.waiting = undefined;
      this.socket?.destroy();
      return;
    }
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline).replace(/\r$/, '').trim();
      this.buffer = this.buffer.slice(newline + 1);
      const waiting = this.waiting;
      this.waiting = undefined;
      waiting?.resolve(line); // an unsolicited line (nothing asked) is dropped
    }
  }
}
