/**
 * The simulated hardware behind the lin build's host modules: device/sim's board (ten ATM90E26
 * register models on one SPI bus with their chip selects, relays, appliances and the supply),
 * advanced to the host clock whenever the firmware touches it. One instance per process, as
 * there is one board under the firmware.
 */
import { PINS } from '../../board/pins';
import type { ChipSelect, DigitalInput } from '../../core/ports';
import { createSimulatedBoard, SimulatedBoard } from '../../sim/simulated-board';
import { boardConfig } from './board-config';

const STEP_MS = 200;

export class VirtualBoard {
  readonly sim: SimulatedBoard;

  constructor(seed: number) {
    // Relays start released, as the expander's outputs do at power-on; the firmware energises them.
    // Steps of 200 ms instead of one mains cycle: the world keeps up with real time in XS on a
    // busy host, and the chips still integrate energy exactly over each step (device/sim).
    this.sim = createSimulatedBoard({ startMs: Date.now(), seed, relaysOn: false, stepMs: STEP_MS });
  }

  /** Brings the electrical world (and every chip's energy registers) up to now. */
  advance(): void {
    const now = Date.now();
    if (now >= this.sim.nowMs + STEP_MS) this.sim.advanceTo(now);
  }

  /** A frame on one of the board's two SPI buses: the ten ATM90E26, or the two ADS131M08. */
  transfer(bus: 'meter' | 'adc', bytes: Uint8Array): void {
    this.advance();
    (bus === 'meter' ? this.sim.bus : this.sim.adcBus).transfer(bytes);
  }

  /** The chip select wired to `pin` (board file: ATM90E26 or ADS131M08), or undefined. */
  chipSelect(pin: number): ChipSelect | undefined {
    const meter = PINS.chipSelect.indexOf(pin);
    if (meter >= 0) return this.sim.selects[meter];
    const adc = PINS.adcSelect.indexOf(pin);
    return adc < 0 ? undefined : this.sim.adcSelects[adc];
  }

  /** The ADS131M08 data-ready line wired to `pin`, or undefined. */
  dataReady(pin: number): DigitalInput | undefined {
    const index = PINS.adcDataReady.indexOf(pin);
    return index < 0 ? undefined : this.sim.adcDataReady[index];
  }

  setRelay(circuit: number, on: boolean): void {
    this.advance();
    this.sim.relays.set(circuit, on);
  }
}

let board: VirtualBoard | undefined;

export function virtualBoard(): VirtualBoard {
  board ??= new VirtualBoard(boardConfig().seed);
  return board;
}
