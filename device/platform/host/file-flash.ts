import { closeSync, existsSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { FlashPartition } from '../../core/ports';
import { PowerCutSwitch } from '../../core/storage/power-cut';

/**
 * The virtual meter's flash partition: a file of `byteLength` bytes (created 0xFF-filled) with ESP32
 * NOR rules enforced — whole aligned words, bits only 1 → 0 without an erase (a violation is a
 * programmer error and throws). Power cuts via `cut`, as in MemoryFlash; the file keeps what a cut left.
 */
export class FileFlash implements FlashPartition {
  readonly byteLength: number;
  readonly sectorSize: number;
  readonly cut = new PowerCutSwitch();
  private fd: number | undefined;
  private injection?: { random: () => number; probability: number; onCut: (what: string) => void };

  constructor(options: { path: string; byteLength: number; sectorSize?: number }) {
    this.byteLength = options.byteLength;
    this.sectorSize = options.sectorSize ?? 4096;
    if (!(this.sectorSize > 0 && this.byteLength > 0 && this.byteLength % this.sectorSize === 0)) {
      throw new RangeError(`byteLength ${options.byteLength} must be a multiple of sectorSize ${this.sectorSize}`);
    }
    const created = !existsSync(options.path);
    this.fd = openSync(options.path, created ? 'w+' : 'r+');
    if (created) {
      const erased = new Uint8Array(this.sectorSize).fill(0xff);
      for (let at = 0; at < this.byteLength; at += this.sectorSize) writeSync(this.fd, erased, 0, erased.length, at);
    } else if (fstatSync(this.fd).size !== this.byteLength) {
      const size = fstatSync(this.fd).size;
      this.close();
      throw new Error(`flash file ${options.path} is ${size} bytes, expected ${this.byteLength}`);
    }
  }

  /**
   * Fault injection for the virtual meter (`meters --power-cut`): each later write or erase is cut
   * at a random byte with `probability`, then `onCut` runs (the host process dies there, like a
   * power cut); should it return, the PowerCutError is thrown as usual.
   */
  injectRandomPowerCuts(random: () => number, probability: number, onCut: (what: string) => void): void {
    if (!(probability >= 0 && probability <= 1)) throw new RangeError(`power-cut probability ${probability} is not in 0..1`);
    this.injection = { random, probability, onCut };
  }

  read(offset: number, length: number): Uint8Array {
    this.cut.assertPowered();
    this.checkRange(offset, length);
    const bytes = new Uint8Array(length);
    readSync(this.file(), bytes, 0, length, offset);
    return bytes;
  }

  write(offset: number, data: Uint8Array): void {
    this.checkRange(offset, data.length);
    if (offset % 4 !== 0 || data.length % 4 !== 0) {
      throw new RangeError(`flash writes must be whole aligned words: offset ${offset}, length ${data.length}`);
    }
    const current = new Uint8Array(data.length);
    readSync(this.file(), current, 0, data.length, offset);
    for (let i = 0; i < data.length; i++) {
      if ((current[i] & data[i]) !== data[i]) {
        throw new Error(`flash byte ${offset + i}: writing 0x${data[i].toString(16)} over 0x${current[i].toString(16)} needs 0 → 1`);
      }
    }
    const inject = this.injection;
    if (inject && inject.random() < inject.probability) this.cut.armPowerCut({ afterBytes: Math.floor(inject.random() * data.length) });
    const kept = this.cut.bytesToWrite(data.length);
    if (kept > 0) writeSync(this.file(), data, 0, kept, offset);
    this.injectedCutIfDue(`write of ${data.length} bytes at ${offset} (kept ${kept})`);
  }

  eraseSector(sector: number): void {
    if (!(Number.isInteger(sector) && sector >= 0 && sector < this.byteLength / this.sectorSize)) throw new RangeError(`sector ${sector}`);
    const inject = this.injection;
    if (inject && inject.random() < inject.probability) {
      // Erase clears whole words in order; a cut leaves a word-aligned prefix erased.
      this.cut.armEraseCut({ erasedBytes: 4 * Math.floor((inject.random() * this.sectorSize) / 4) });
    }
    const kept = this.cut.bytesToErase(this.sectorSize);
    if (kept > 0) writeSync(this.file(), new Uint8Array(kept).fill(0xff), 0, kept, sector * this.sectorSize);
    this.injectedCutIfDue(`erase of sector ${sector} (erased ${kept} bytes)`);
  }

  private injectedCutIfDue(what: string): void {
    if (this.cut.poweredOff && this.injection) this.injection.onCut(`power cut during ${what}`);
    this.cut.cutIfDue(what);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private file(): number {
    if (this.fd === undefined) throw new Error('flash file is closed');
    return this.fd;
  }

  private checkRange(offset: number, length: number): void {
    if (!(Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length >= 0 && offset + length <= this.byteLength)) {
      throw new RangeError(`flash range ${offset}+${length} outside 0..${this.byteLength}`);
    }
  }
}
