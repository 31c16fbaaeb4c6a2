/**
 * One shared SPI bus with a chip-select line per simulated chip, like the board: SCLK/MOSI/MISO
 * common, CS active low. A transfer goes to the chip whose CS is low; with none selected MISO
 * floats high (0xFF). Implements the core's SpiBus/ChipSelect ports.
 */
import type { ChipSelect, SpiBus } from '../core/ports';

export interface SpiTarget {
  select(active: boolean): void;
  exchange(mosi: number): number;
}

export class SimSpiBus implements SpiBus {
  /** Frames (CS low periods with traffic) and bytes moved, for benchmarks and tests. */
  bytes = 0;
  private readonly low: boolean[];
  readonly selects: ChipSelect[];

  constructor(private readonly targets: readonly SpiTarget[]) {
    this.low = targets.map(() => false);
    this.selects = targets.map((_, index) => ({ write: (level: 0 | 1) => this.setSelect(index, level) }));
  }

  transfer(buffer: Uint8Array): void {
    let active = -1;
    for (let k = 0; k < this.low.length; k++) {
      if (!this.low[k]) continue;
      if (active >= 0) throw new Error(`bus contention: chip selects ${active} and ${k} are both low`);
      active = k;
    }
    this.bytes += buffer.length;
    for (let n = 0; n < buffer.length; n++) buffer[n] = active < 0 ? 0xff : this.targets[active].exchange(buffer[n]);
  }

  private setSelect(index: number, level: 0 | 1): void {
    if (level !== 0 && level !== 1) throw new RangeError(`chip select level must be 0 or 1: ${String(level)}`);
    const low = level === 0;
    if (low === this.low[index]) return;
    this.low[index] = low;
    this.targets[index].select(low);
  }
}
