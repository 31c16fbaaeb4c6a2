/**
 * The `ota` module on the virtual board: the two app slots of device/partitions.csv are files
 * `ota_0.bin` / `ota_1.bin`, and `otadata.json` names the slot that boots next. Like the ESP32
 * module, a new OTA writes the slot that is not running, `complete()` selects it and does not
 * restart, `cancel()` drops the partial image.
 */
import { File } from 'file';
import { readText, replaceText } from 'platform/lin/host-files';

/** App slot size (ota_0/ota_1 in device/partitions.csv). */
export const APP_SLOT_BYTES = 0x150000;
const OTADATA = 'otadata.json';

function bootSlot(): 0 | 1 {
  const text = readText(OTADATA);
  return text !== undefined && (JSON.parse(text) as { boot?: number }).boot === 1 ? 1 : 0;
}

export default class OTA {
  readonly #slot: 0 | 1;
  readonly #path: string;
  #written = 0;
  #done = false;

  constructor(_options?: { byteLength?: number }) {
    this.#slot = bootSlot() === 0 ? 1 : 0;
    this.#path = `ota_${this.#slot}.bin`;
    if (File.exists(this.#path)) File.delete(this.#path);
    new File(this.#path, true).close();
  }

  write(buffer: ArrayBuffer | Uint8Array): void {
    if (this.#done) throw new Error('OTA finished');
    const bytes = buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : buffer;
    if (this.#written + bytes.byteLength > APP_SLOT_BYTES) throw new RangeError(`image larger than the ${APP_SLOT_BYTES}-byte app slot`);
    const file = new File(this.#path, true);
    try {
      file.position = this.#written;
      file.write(bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : bytes.slice().buffer);
    } finally {
      file.close();
    }
    this.#written += bytes.byteLength;
  }

  complete(): void {
    if (this.#done) throw new Error('OTA finished');
    if (this.#written === 0) throw new Error('empty image');
    this.#done = true;
    replaceText(OTADATA, JSON.stringify({ boot: this.#slot, bytes: this.#written }));
  }

  cancel(): void {
    if (this.#done) return;
    this.#done = true;
    if (File.exists(this.#path)) File.delete(this.#path);
  }
}
