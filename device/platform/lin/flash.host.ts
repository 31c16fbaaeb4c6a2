/**
 * The `flash` module on the virtual board: each data partition of device/partitions.csv is a file
 * `flash-<label>.bin` in the working directory, with NOR semantics: erase sets a 4096-byte sector
 * to 0xFF, a write can only clear bits (new = old & data), as on the ESP32's SPI flash. Writes
 * and erases go through the power-cut injection.
 */
import { File } from 'file';
import { storageWrite } from 'platform/lin/power';

const SECTOR_BYTES = 4096;
/** Data partitions the firmware opens by label; sizes as in device/partitions.csv (checked by virtual-board.spec.ts). */
export const DATA_PARTITIONS: Readonly<Record<string, number>> = Object.freeze({ records: 0x100000, events: 0xe000 });

type Bytes = ArrayBuffer | ArrayBufferView;

export default class Flash {
  readonly byteLength: number;
  readonly blockSize = SECTOR_BYTES;
  readonly #path: string;

  constructor(partition: string) {
    const size = DATA_PARTITIONS[partition];
    if (size === undefined) throw new Error(`partition not found: ${partition}`);
    this.byteLength = size;
    this.#path = `flash-${partition}.bin`;
    if (!File.exists(this.#path)) this.#fill(0, size); // factory-fresh flash reads as erased
  }

  read(offset: number, byteLength: number): ArrayBuffer {
    this.#check(offset, byteLength);
    const file = new File(this.#path);
    try {
      if (file.length < offset + byteLength) return new Uint8Array(byteLength).fill(0xff).buffer;
      file.position = offset;
      return file.read(ArrayBuffer, byteLength);
    } finally {
      file.close();
    }
  }

  write(offset: number, byteLength: number, buffer: Bytes): void {
    this.#check(offset, byteLength);
    const data = buffer instanceof ArrayBuffer ? new Uint8Array(buffer, 0, byteLength) : new Uint8Array(buffer.buffer, buffer.byteOffset, byteLength);
    const merged = new Uint8Array(this.read(offset, byteLength));
    for (let n = 0; n < byteLength; n++) merged[n] &= data[n];
    storageWrite(`flash write ${offset}+${byteLength}`, byteLength, (bytes) => this.#put(offset, merged.subarray(0, bytes)));
  }

  erase(sector: number): void {
    if (!Number.isInteger(sector) || sector < 0 || sector >= this.byteLength / SECTOR_BYTES) throw new RangeError(`invalid sector: ${sector}`);
    storageWrite(`flash erase sector ${sector}`, SECTOR_BYTES, (bytes) => this.#fill(sector * SECTOR_BYTES, bytes));
  }

  #fill(offset: number, byteLength: number): void {
    const ones = new Uint8Array(Math.min(byteLength, 65536)).fill(0xff);
    for (let done = 0; done < byteLength; done += ones.length) this.#put(offset + done, ones.subarray(0, Math.min(ones.length, byteLength - done)));
  }

  #put(offset: number, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const file = new File(this.#path, true);
    try {
      file.position = offset;
      file.write(bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : bytes.slice().buffer);
    } finally {
      file.close();
    }
  }

  #check(offset: number, byteLength: number): void {
    if (!Number.isInteger(offset) || !Number.isInteger(byteLength) || offset < 0 || byteLength < 0 || offset + byteLength > this.byteLength) {
      throw new RangeError(`flash range ${offset}+${byteLength} outside 0..${this.byteLength}`);
    }
  }
}
