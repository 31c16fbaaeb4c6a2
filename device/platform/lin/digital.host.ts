/**
 * `embedded:io/digital` on the virtual board: the GPIOs the firmware uses directly (board file) —
 * the chip selects of the ATM90E26 and the ADS131M08 (outputs) and the ADCs' data-ready lines
 * (inputs), each wired to its simulated chip, and the setup button (an input nobody presses).
 */
import { PINS } from 'board/pins';
import type { ChipSelect, DigitalInput } from 'core/ports';
import { virtualBoard } from 'platform/lin/virtual-board';

const RELEASED_BUTTON: DigitalInput = { read: () => 0 };

const claimed = new Set<number>();

export default class Digital {
  static readonly Input = 0;
  static readonly InputPullUp = 1;
  static readonly InputPullDown = 2;
  static readonly InputPullUpDown = 3;
  static readonly Output = 8;
  static readonly OutputOpenDrain = 9;

  readonly #pin: number;
  readonly #output?: ChipSelect;
  readonly #input?: DigitalInput;
  #level: 0 | 1 = 1;
  #closed = false;

  constructor(options: { pin: number; mode: number }) {
    const board = virtualBoard();
    const output = board.chipSelect(options.pin);
    const input = options.pin === PINS.setupButton ? RELEASED_BUTTON : board.dataReady(options.pin);
    if (!output && !input) throw new Error(`nothing wired to GPIO ${options.pin} on the virtual board`);
    if (output && options.mode !== Digital.Output) throw new Error(`GPIO ${options.pin} is a chip select: Output only, got mode ${options.mode}`);
    if (input && options.mode !== Digital.Input) throw new Error(`GPIO ${options.pin} is an input (ADC data-ready, setup button): Input only, got mode ${options.mode}`);
    if (claimed.has(options.pin)) throw new Error('in use');
    claimed.add(options.pin);
    this.#pin = options.pin;
    this.#output = output;
    this.#input = input;
  }

  write(value: number): void {
    if (this.#closed) throw new Error('closed');
    if (!this.#output) throw new Error(`GPIO ${this.#pin} is an input`);
    this.#level = value ? 1 : 0;
    this.#output.write(this.#level);
  }

  read(): number {
    if (this.#closed) throw new Error('closed');
    return this.#input ? this.#input.read() : this.#level;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    claimed.delete(this.#pin);
  }
}
