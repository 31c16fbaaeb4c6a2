/** In-memory OTA ports for unit tests: two slots in RAM, and an HTTP server pumped by hand. */
import { FirmwareSlots, HttpRangeHandlers, HttpRangePort, RunningImage } from './ota.ports';
import { activated, booted, confirmed, initialSlotTable, otherSlot, rolledBack, SlotTable } from './slot-table';

export class MemorySlots implements FirmwareSlots {
  table: SlotTable;
  readonly images: [Uint8Array, Uint8Array] = [new Uint8Array(0), new Uint8Array(0)];
  restarts = 0;
  private image: RunningImage;
  private writing = false;

  /** `canResume` false: like the ESP32's `ota` module, a partial image does not survive a reboot. */
  constructor(
    version: string,
    readonly canResume = true,
  ) {
    this.table = initialSlotTable(version);
    this.image = booted(this.table);
  }

  /** A (re)boot: what the bootloader does before the new process runs. Drops a write in progress from RAM. */
  boot(): void {
    this.image = booted(this.table);
    this.writing = false;
  }

  running(): RunningImage {
    return this.image;
  }
  open(_sizeBytes: number, resumeAt: number): number {
    const slot = otherSlot(this.table);
    this.images[slot] = this.canResume ? this.images[slot].slice(0, resumeAt) : new Uint8Array(0);
    this.writing = true;
    return this.images[slot].length;
  }
  write(chunk: Uint8Array): void {
    if (!this.writing) throw new Error('write before open');
    const slot = otherSlot(this.table);
    const grown = new Uint8Array(this.images[slot].length + chunk.length);
    grown.set(this.images[slot]);
    grown.set(chunk, this.images[slot].length);
    this.images[slot] = grown;
  }
  activate(version: string): void {
    this.writing = false;
    activated(this.table, version);
  }
  abort(): void {
    this.writing = false;
    this.images[otherSlot(this.table)] = new Uint8Array(0);
  }
  confirm(): void {
    confirmed(this.table);
    this.image = { ...this.image, state: 'confirmed' };
  }
  rollBack(): void {
    rolledBack(this.table);
  }
  restart(): void {
    this.restarts++;
  }
}

/** Serves byte arrays by URL; `pump()` delivers what is pending, `cutAfter` breaks a response off. */
export class MemoryHttp implements HttpRangePort {
  readonly files = new Map<string, Uint8Array>();
  readonly requests: { url: string; fromByte: number }[] = [];
  /** The next response stops (onError) after this many bytes. */
  cutAfter?: number;
  private pending?: { data?: Uint8Array; handlers: HttpRangeHandlers; cut?: number; aborted: boolean };

  get(url: string, fromByte: number, handlers: HttpRangeHandlers): { abort(): void } {
    this.requests.push({ url, fromByte });
    const file = this.files.get(url);
    const request = { data: file?.subarray(fromByte), handlers, cut: this.cutAfter, aborted: false };
    this.cutAfter = undefined;
    this.pending = request;
    return { abort: () => (request.aborted = true) };
  }

  /**
   * Delivers the pending response in chunks of `chunkBytes`. With `powerCutAfter`, delivery stops
   * there with neither end nor error: the meter lost power mid-download.
   */
  pump(chunkBytes = 1000, powerCutAfter?: number): void {
    const request = this.pending;
    this.pending = undefined;
    if (!request || request.aborted) return;
    if (!request.data) return request.handlers.onError('HTTP 404');
    const end = Math.min(request.cut ?? Infinity, powerCutAfter ?? Infinity, request.data.length);
    for (let offset = 0; offset < end && !request.aborted; offset += chunkBytes) {
      request.handlers.onData(request.data.slice(offset, Math.min(end, offset + chunkBytes)));
    }
    if (request.aborted || powerCutAfter !== undefined) return;
    if (end < request.data.length) request.handlers.onError('connection reset');
    else request.handlers.onEnd();
  }
}
