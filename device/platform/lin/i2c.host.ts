/**
 * `embedded:io/i2c` on the virtual board: the MCP23017 expander (board file address) as a register
 * model — IODIR and OLAT pairs with sequential addressing (datasheet table 3-5, IOCON.BANK = 0,
 * SEQOP = 0). The relay coils follow the expander pins that are outputs; any other address NACKs.
 */
import { PINS } from 'board/pins';
import { virtualBoard } from 'platform/lin/virtual-board';

const REGISTER_COUNT = 0x16;
const IODIRA = 0x00;
const OLATA = 0x14;

type Bytes = ArrayBuffer | ArrayBufferView;

/** The expander's state survives instances (it is a chip on the board, not a driver object). */
const registers = new Uint8Array(REGISTER_COUNT);
registers[IODIRA] = 0xff; // power-on: every pin an input (datasheet 1.6), relays released
registers[IODIRA + 1] = 0xff;
let relayOn: boolean[] | undefined;

function applyOutputs(): void {
  const direction = registers[IODIRA] | (registers[IODIRA + 1] << 8);
  const latch = registers[OLATA] | (registers[OLATA + 1] << 8);
  const driven = latch & ~direction;
  relayOn ??= PINS.relay.map(() => false);
  PINS.relay.forEach((pin, index) => {
    const on = ((driven >> pin) & 1) === 1;
    if (on === relayOn![index]) return;
    relayOn![index] = on;
    virtualBoard().setRelay(index + 1, on);
  });
}

export default class I2C {
  #closed = false;
  #pointer = 0;

  constructor(options: { data: number; clock: number; hz: number; address: number; port?: number }) {
    const { i2c, expanderAddress } = PINS;
    if (options.data !== i2c.data || options.clock !== i2c.clock) throw new Error(`no I2C bus on data ${options.data} clock ${options.clock}`);
    if (!(options.hz > 0 && options.hz <= 1_700_000)) throw new RangeError(`invalid hz: ${options.hz}`);
    if (options.address !== expanderAddress) throw new Error(`no device at I2C address 0x${options.address.toString(16)}`);
  }

  write(buffer: Bytes, _stop?: boolean): void {
    if (this.#closed) throw new Error('closed');
    const bytes = buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    if (bytes.length === 0) return;
    this.#pointer = bytes[0];
    for (let n = 1; n < bytes.length; n++) {
      if (this.#pointer >= REGISTER_COUNT) throw new Error(`MCP23017 register 0x${this.#pointer.toString(16)} does not exist`);
      registers[this.#pointer] = bytes[n];
      this.#pointer++;
    }
    applyOutputs();
  }

  read(count: number): ArrayBuffer {
    if (this.#closed) throw new Error('closed');
    const out = new Uint8Array(count);
    for (let n = 0; n < count; n++) out[n] = registers[(this.#pointer + n) % REGISTER_COUNT];
    this.#pointer = (this.#pointer + count) % REGISTER_COUNT;
    return out.buffer;
  }

  close(): void {
    this.#closed = true;
  }
}
