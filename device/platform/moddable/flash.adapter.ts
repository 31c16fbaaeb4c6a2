/**
 * FlashPartition on the Moddable `flash` module: a data partition of device/partitions.csv
 * (`records`, `events`), opened by label. NOR semantics: erase a 4096-byte sector to 0xFF,
 * writes only clear bits.
 */
import Flash from 'flash';
import type { FlashPartition } from '../../core/ports';

export class ModdableFlashPartition implements FlashPartition {
  private readonly flash: Flash;
  readonly byteLength: number;
  readonly sectorSize: number;

  constructor(label = 'records') {
    this.flash = new Flash(label);
    this.byteLength = this.flash.byteLength;
    this.sectorSize = this.flash.blockSize;
  }

  read(offset: number, length: number): Uint8Array {
    this.check(offset, length);
    return new Uint8Array(this.flash.read(offset, length) as ArrayBuffer);
  }

  write(offset: number, data: Uint8Array): void {
    this.check(offset, data.byteLength);
    this.flash.write(offset, data.byteLength, data);
  }

  eraseSector(sector: number): void {
    if (!Number.isInteger(sector) || sector < 0 || sector >= this.byteLength / this.sectorSize) {
      throw new RangeError(`sector out of range: ${sector}`);
    }
    this.flash.erase(sector);
  }

  private check(offset: number, length: number): void {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.byteLength) {
      throw new RangeError(`flash range ${offset}+${length} outside 0..${this.byteLength}`);
    }
  }
}
