/**
 * A Modbus TCP client connection (jsmodbus) with the errors a test station needs: unreachable,
 * no answer in time, an exception response, a reply of the wrong size — each an InstrumentError
 * naming the instrument and the request.
 */
import { Socket } from 'node:net';
import { client as modbusClient } from 'jsmodbus';
import { Endpoint, InstrumentError } from './line-connection';

type Client = InstanceType<typeof modbusClient.TCP>;

export interface ModbusEndpoint extends Endpoint {
  unitId?: number;
  timeoutMs?: number;
}

export class ModbusTcpConnection {
  private socket?: Socket;
  private client?: Client;
  private connecting?: Promise<Client>;
  private readonly timeoutMs: number;

  constructor(
    readonly name: string,
    private readonly endpoint: ModbusEndpoint,
  ) {
    this.timeoutMs = endpoint.timeoutMs ?? 3000;
  }

  /** Function code 04. */
  async readInputRegisters(start: number, count: number): Promise<Buffer> {
    const reply = await this.call(`read input registers ${start}+${count}`, (c) => c.readInputRegisters(start, count));
    const buffer = reply.response.body.valuesAsBuffer as Buffer;
    if (buffer.length !== count * 2) throw new InstrumentError(`${this.label}: read input registers ${start}+${count} returned ${buffer.length} bytes`);
    return buffer;
  }

  /** Function code 02. */
  async readDiscreteInputs(start: number, count: number): Promise<boolean[]> {
    const reply = await this.call(`read discrete inputs ${start}+${count}`, (c) => c.readDiscreteInputs(start, count));
    const values = reply.response.body.valuesAsArray as (0 | 1 | boolean)[];
    if (values.length < count) throw new InstrumentError(`${this.label}: read discrete inputs ${start}+${count} returned ${values.length} values`);
    return values.slice(0, count).map(Boolean);
  }

  /** Function code 15. */
  async writeCoils(start: number, values: boolean[]): Promise<void> {
    await this.call(`write coils ${start}+${values.length}`, (c) => c.writeMultipleCoils(start, values));
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    this.client = undefined;
    this.connecting = undefined;
    if (socket && !socket.destroyed) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.end();
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 1000).unref();
      });
    }
  }

  private get label(): string {
    return `${this.name} ${this.endpoint.host}:${this.endpoint.port}`;
  }

  private async call<T>(what: string, request: (client: Client) => Promise<T>): Promise<T> {
    const client = await this.connected();
    try {
      return await request(client);
    } catch (error) {
      const e = error as { err?: string; message?: string; response?: { body?: { code?: number; message?: string } } };
      if (e.err === 'Timeout' || e.err === 'Offline' || e.err === 'OutOfSync') {
        this.socket?.destroy();
        this.socket = undefined;
        this.client = undefined;
        this.connecting = undefined;
      }
      if (e.err === 'ModbusException') {
        const code = e.response?.body?.code;
        throw new InstrumentError(`${this.label}: ${what} refused with Modbus exception ${code ?? '?'} (${e.response?.body?.message ?? e.message ?? ''})`);
      }
      if (e.err === 'Timeout') throw new InstrumentError(`${this.label}: no answer to ${what} within ${this.timeoutMs} ms`);
      throw new InstrumentError(`${this.label}: ${what} failed: ${e.err ? `${e.err}: ` : ''}${e.message ?? String(error)}`);
    }
  }

  private connected(): Promise<Client> {
    if (this.client && this.socket && !this.socket.destroyed) return Promise.resolve(this.client);
    if (this.connecting) return this.connecting;
    const { host, port } = this.endpoint;
    this.connecting = new Promise<Client>((resolve, reject) => {
      const socket = new Socket();
      const client = new modbusClient.TCP(socket, this.endpoint.unitId ?? 1, this.timeoutMs);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new InstrumentError(`cannot reach the ${this.name} at ${host}:${port}: no connection within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const fail = (error: Error) => {
        clearTimeout(timer);
        reject(new InstrumentError(`cannot reach the ${this.name} at ${host}:${port}: ${error.message}`));
      };
      socket.once('error', fail);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', fail);
        socket.on('error', () => undefined); // surfaced by the pending request as Offline
        socket.once('close', () => {
          if (this.socket === socket) {
            this.socket = undefined;
            this.client = undefined;
          }
        });
        this.socket = socket;
        this.client = client;
        resolve(client);
      });
      socket.connect({ host, port });
    }).finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }
}
