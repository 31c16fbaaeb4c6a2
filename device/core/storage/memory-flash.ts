/**
 * FlashPartition in RAM for unit tests, strict about ESP32 NOR rules: whole aligned words only,
 * bits only go 1 → 0, and no byte is programmed twice between erases (a second program of a word is
 * not guaranteed on NOR and hides bugs). Violations are programmer errors and throw. Power cuts via `cut`.
 */
import { FlashPartition } from '../ports';
import { PowerCutSwitch } from './power-cut';

export class MemoryFlash implements FlashPartition {
  readonly byteLength: number;
  readonly sectorSize: number;
  readonly cut = new PowerCutSwitch();
  /** Erases per sector over the life of this object (wear). */
  readonly eraseCounts: Uint32Array;
  bytesWritten = 0;
  private readonly bytes: Uint8Array;
  /** 1 where a byte was programmed since its sector's last erase. */
  private readonly programmed: Uint8Array;

  constructor(options: { byteLength: number; sectorSize?: number }) {
    this.sectorSize = options.sectorSize ?? 4096;
    this.byteLength = options.byteLength;
    if (!(this.sectorSize > 0 && this.byteLength > 0 && this.byteLength % this.sectorSize === 0)) {
      throw new RangeError(`byteLength ${options.byteLength} must be a multiple of sectorSize ${this.sectorSize}`);
    }
    this.bytes = new Uint8Array(this.byteLength).fill(0xff);
    this.programmed = new Uint8Array(this.byteLength);
    this.eraseCounts = new Uint32Array(this.byteLength / this.sectorSize);
  }

  read(offset: number, length: number): Uint8Array {
    this.cut.assertPowered();
    this.checkRange(offset, length);
    return this.bytes.slice(offset, offset + length);
  }

  write(offset: number, data: Uint8Array): void {
    this.checkRange(offset, data.length);
    if (offset % 4 !== 0 || data.length % 4 !== 0) {
      throw new RangeError(`flash writes must be whole aligned words: offset ${offset}, length ${data.length}`);
    }
    for (let i = 0; i < data.length; i++) {
      const at = offset + i;
      if (this.programmed[at]) throw new Error(`flash byte ${at} programmed twice without an erase`);
      if ((this.bytes[at] & data[i]) !== data[i]) {
        throw new Error(`flash byte ${at}: writing 0x${data[i].toString(16)} over 0x${this.bytes[at].toString(16)} needs 0 → 1`);
      }
    }
    const kept = this.cut.bytesToWrite(data.length);
    for (let i = 0; i < kept; i++) {
      this.bytes[offset + i] = data[i];
      this.programmed[offset + i] = 1;
    }
    this.bytesWritten += kept;
    this.cut.cutIfDue(`write of ${data.length} bytes at ${offset} (kept ${kept})`);
  }

  eraseSector(sector: number): void {
    if (!(Number.isInteger(sector) && sector >= 0 && sector < this.eraseCounts.length)) throw new RangeError(`sector ${sector}`);
    const start = sector * this.sectorSize;
    const kept = this.cut.bytesToErase(this.sectorSize);
    this.bytes.fill(0xff, start, start + kept);
    this.programmed.fill(0, start, start + kept);
    this.eraseCounts[sector]++;
    this.cut.cutIfDue(`erase of sector ${sector} (erased ${kept} bytes)`);
  }

  /** Test helper: an independent copy of the contents (power restored), to replay one operation many ways. */
  clone(): MemoryFlash {
    const copy = new MemoryFlash({ byteLength: this.byteLength, sectorSize: this.sectorSize });
    copy.bytes.set(this.bytes);
    copy.programmed.set(this.programmed);
    return copy;
  }

  /** Test helper: flips bits as bit rot would (ignores NOR rules). */
  corrupt(offset: number, xor: number): void {
    this.bytes[offset] ^= xor;
  }

  private checkRange(offset: number, length: number): void {
    if (!(Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length >= 0 && offset + length <= this.byteLength)) {
      throw new RangeError(`flash range ${offset}+${length} outside 0..${this.byteLength}`);
    }
  }
}
