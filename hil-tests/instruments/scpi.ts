/**
 * SCPI over a raw TCP socket (port 5025, IEEE 488.2 terminator LF): the one place that knows how a
 * SCPI instrument is talked to. A set command answers nothing, so every one is followed by
 * `SYST:ERR?` (SCPI-99 vol. 2, 21.8): `0,"No error"` or `<negative code>,"<text>"` — a refused
 * setting becomes an InstrumentError naming the command, never a silent no-op.
 */
import { Endpoint, InstrumentError, LineConnection } from './line-connection';

export interface Identity {
  maker: string;
  model: string;
  serial: string;
  firmware: string;
}

export class ScpiInstrument {
  private readonly connection: LineConnection;

  constructor(
    readonly name: string,
    endpoint: Endpoint,
    timeoutMs = 3000,
  ) {
    this.connection = new LineConnection(`${name} ${endpoint.host}:${endpoint.port}`, endpoint, timeoutMs);
  }

  /** `*IDN?` → maker, model, serial, firmware (IEEE 488.2 10.14). */
  async identify(): Promise<Identity> {
    const reply = await this.connection.request('*IDN?');
    const fields = reply.split(',').map((f) => f.trim());
    if (fields.length !== 4 || fields[0] === '') throw new InstrumentError(`${this.connection.name}: *IDN? answered "${reply}", not "maker,model,serial,firmware"`);
    const [maker, model, serial, firmware] = fields;
    return { maker, model, serial, firmware };
  }

  /** A set command, then its error queue: throws with the instrument's own error text. */
  async write(command: string): Promise<void> {
    await this.connection.send(command);
    const reply = await this.connection.request('SYST:ERR?');
    const match = /^([+-]?\d+)\s*,\s*"?(.*?)"?$/.exec(reply);
    if (!match) throw new InstrumentError(`${this.connection.name}: SYST:ERR? after "${command}" answered "${reply}"`);
    if (Number(match[1]) !== 0) throw new InstrumentError(`${this.connection.name} refused "${command}": ${match[1]} ${match[2]}`);
  }

  /** A numeric query (NR1/NR2/NR3). 9.9E37 is SCPI's "not a number / overrange" and is refused. */
  async queryNumber(command: string): Promise<number> {
    const reply = await this.connection.request(command);
    const value = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(reply) ? Number(reply) : NaN;
    if (!Number.isFinite(value)) throw new InstrumentError(`${this.connection.name}: "${command}" answered "${reply}", not a number`);
    if (Math.abs(value) >= 9.9e37) throw new InstrumentError(`${this.connection.name}: "${command}" is over range (${reply})`);
    return value;
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}

/** SCPI decimal with enough digits for the instruments' resolution, no exponent. */
export function scpiNumber(value: number): string {
  return Number(value.toPrecision(7)).toString();
}
