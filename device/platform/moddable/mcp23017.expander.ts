/**
 * MCP23017 16-bit I²C port expander, used as outputs only (the relays).
 * Registers (MCP23017 datasheet, table 3-5, IOCON.BANK = 0): IODIRA 0x00, IODIRB 0x01,
 * OLATA 0x14, OLATB 0x15. A shadow of the output latch avoids read-modify-write over I²C.
 */
import I2C from 'embedded:io/i2c';

const IODIRA = 0x00;
const OLATA = 0x14;

export interface ExpanderBus {
  data: number;
  clock: number;
  hz: number;
  address: number;
}

export class Mcp23017Outputs {
  private readonly i2c: I2C;
  private latch = 0;
  private readonly frame = new Uint8Array(3);

  constructor(bus: ExpanderBus, initialLatch = 0) {
    this.i2c = new I2C({ data: bus.data, clock: bus.clock, hz: bus.hz, address: bus.address });
    this.latch = initialLatch & 0xffff;
    this.writePair(OLATA, this.latch); // latch first, so pins come up in the intended state
    this.writePair(IODIRA, 0x0000); // all sixteen pins outputs
  }

  write(pin: number, level: 0 | 1): void {
    if (!Number.isInteger(pin) || pin < 0 || pin > 15) throw new RangeError(`MCP23017 pin must be 0..15: ${pin}`);
    const next = level ? this.latch | (1 << pin) : this.latch & ~(1 << pin);
    if (next === this.latch) return;
    this.latch = next;
    this.writePair(OLATA, next);
  }

  /** Register pair A/B written in one transaction (sequential addressing). */
  private writePair(register: number, value: number): void {
    this.frame[0] = register;
    this.frame[1] = value & 0xff;
    this.frame[2] = (value >>> 8) & 0xff;
    this.i2c.write(this.frame);
  }
}
