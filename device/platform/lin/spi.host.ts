/**
 * `embedded:io/spi` on the virtual board: the ECMA-419 SPI the firmware's spi.adapter.ts opens,
 * wired to the simulated ATM90E26 bus or the ADS131M08 waveform bus (by pins). Like the ESP32 driver it checks the pins against the
 * board, refuses a second instance on the same bus ("in use") and is synchronous.
 */
import { PINS } from 'board/pins';
import { virtualBoard } from 'platform/lin/virtual-board';

export interface SpiOptions {
  port?: number;
  clock: number;
  in?: number;
  out?: number;
  select?: number;
  hz: number;
  mode?: number;
}

type Bytes = ArrayBuffer | ArrayBufferView;

const open = new Set<'meter' | 'adc'>();

function bytesOf(buffer: Bytes): Uint8Array {
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

export default class SPI {
  #closed = false;
  readonly #bus: 'meter' | 'adc';

  constructor(options: SpiOptions) {
    const same = (pins: { port: number; clock: number; out: number; in: number }): boolean =>
      options.clock === pins.clock && options.out === pins.out && options.in === pins.in && (options.port ?? pins.port) === pins.port;
    if (same(PINS.spi)) this.#bus = 'meter';
    else if (same(PINS.adcSpi)) this.#bus = 'adc';
    else throw new Error(`no SPI device on port ${options.port} clock ${options.clock} out ${options.out} in ${options.in} (the board wires ${JSON.stringify(PINS.spi)} and ${JSON.stringify(PINS.adcSpi)})`);
    if (options.select !== undefined) throw new Error('the board has one chip select per chip (embedded:io/digital), not a bus select');
    if (!(options.hz > 0)) throw new RangeError(`invalid hz: ${options.hz}`);
    if (options.mode !== undefined && ![0, 1, 2, 3].includes(options.mode)) throw new RangeError(`invalid mode: ${options.mode}`);
    if (open.has(this.#bus)) throw new Error('in use');
    open.add(this.#bus);
  }

  transfer(buffer: Bytes): void {
    this.check();
    virtualBoard().transfer(this.#bus, bytesOf(buffer));
  }

  write(buffer: Bytes): void {
    this.check();
    virtualBoard().transfer(this.#bus, bytesOf(buffer).slice());
  }

  read(countOrBuffer: number | Bytes): ArrayBuffer | undefined {
    this.check();
    if (typeof countOrBuffer === 'number') {
      const bytes = new Uint8Array(countOrBuffer).fill(0xff);
      virtualBoard().transfer(this.#bus, bytes);
      return bytes.buffer;
    }
    const bytes = bytesOf(countOrBuffer);
    bytes.fill(0xff);
    virtualBoard().transfer(this.#bus, bytes);
    return undefined;
  }

  flush(): void {
    this.check();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    open.delete(this.#bus);
  }

  private check(): void {
    if (this.#closed) throw new Error('closed');
  }
}
