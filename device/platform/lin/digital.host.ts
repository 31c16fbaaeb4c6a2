/**
 * `embedded:io/digital` on the virtual board: the outputs the firmware drives directly are the
 * ATM90E26 chip selects (board file); each one is wired to its simulated chip.
 */
import type { ChipSelect } from 'core/ports';
import { virtualBoard } from 'platform/lin/virtual-board';

const claimed = new Set<number>();

export default class Digital {
  static readonly Input = 0;
  static readonly InputPullUp = 1;
  static readonly InputPullDown = 2;
  static readonly InputPullUpDown = 3;
  static readonly Output = 8;
  static readonly OutputOpenDrain = 9;

  readonly #pin: number;
  readonly #line: ChipSelect;
  #level: 0 | 1 = 1;
  #closed = false;

  constructor(options: { pin: number; mode: number }) {
    const line = virtualBoard().chipSelect(options.pin);
    if (!line) throw new Error(`nothing wired to GPIO ${options.pin} on the virtual board`);
    if (options.mode !== Digital.Output) throw new Error(`GPIO ${options.pin} is a chip select: Output only, got mode ${options.mode}`);
    if (claimed.has(options.pin)) throw new Error('in use');
    claimed.add(options.pin);
    this.#pin = options.pin;
    this.#line = line;
  }

  write(value: number): void {
    if (this.#closed) throw new Error('closed');
    this.#level = value ? 1 : 0;
    this.#line.write(this.#level);
  }

  read(): number {
    if (this.#closed) throw new Error('closed');
    return this.#level;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    claimed.delete(this.#pin);
  }
}
