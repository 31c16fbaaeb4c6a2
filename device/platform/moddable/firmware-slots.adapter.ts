/**
 * The OTA agent's FirmwareSlots on the ESP32 (docs/ota.md): the image goes into the app slot that
 * is not running through raw flash calls (ota-flash.native.c), and the slot table
 * (core/ota/slot-table.ts: versions, pending or confirmed, boot attempts) lives in NVS through the
 * settings store. Flash is erased one sector just ahead of the bytes written, never the whole slot
 * at once: a download resumes after a power cut and no call blocks the task watchdog for long.
 */
import type { SettingsStore } from '../../core/ports';
import type { FirmwareSlots, RunningImage } from '../../core/ota/ota.ports';
import { activated, booted, confirmed, initialSlotTable, otherSlot, rolledBack, SlotTable } from '../../core/ota/slot-table';

/** What the native module offers (ota-flash.native.c); slots are 0 (ota_0) and 1 (ota_1). */
export interface SlotFlash {
  /** Erase unit of the SPI flash: erase offsets and lengths are multiples of it. */
  readonly sectorBytes: number;
  /** The slot running now; -1 when the image runs from no OTA slot (factory partition, other platform). */
  runningSlot(): number;
  slotBytes(slot: 0 | 1): number;
  /** Whole sectors; refused on the running slot. */
  erase(slot: 0 | 1, offset: number, length: number): void;
  read(slot: 0 | 1, offset: number, bytes: Uint8Array): void;
  /** Onto erased flash only; refused on the running slot. */
  write(slot: 0 | 1, offset: number, bytes: Uint8Array): void;
  /** The slot boots next; throws when its image does not verify (esp_ota_set_boot_partition). */
  selectBoot(slot: 0 | 1): void;
  /** Cancels the bootloader's own rollback for the running image. */
  markValid(): void;
  restart(): void;
}

/** NVS key of the slot table (≤ 15 characters). */
export const SLOT_TABLE_KEY = 'ota.slots';

export class EspFirmwareSlots implements FirmwareSlots {
  private readonly table: SlotTable;
  private readonly image: RunningImage;
  private readonly target: 0 | 1;
  /** The image being written: its size, the bytes written and the end of the erased flash ahead of them. */
  private open_?: { size: number; written: number; erasedTo: number };

  /**
   * A boot: reads the slot table from NVS and counts the boot. The table is made to agree with the
   * slot that really runs: when the bootloader went back to the previous image by itself (a new
   * image that reset before confirming, CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE) the new one is
   * dropped; when the table does not know the running slot at all (first boot, serial flash, a
   * damaged table) it starts over with that slot confirmed as `builtInVersion`.
   */
  constructor(
    private readonly flash: SlotFlash,
    private readonly settings: SettingsStore,
    builtInVersion: string,
  ) {
    const running = flash.runningSlot();
    if (running !== 0 && running !== 1) throw new Error(`the firmware runs from no OTA app slot (running slot ${running}): see device/partitions.csv`);
    const saved = readTable(settings.get(SLOT_TABLE_KEY));
    this.table = saved?.slots[running] ? saved : tableFor(running, builtInVersion);
    if (this.table.boot !== running) {
      this.table.slots[this.table.boot] = null;
      this.table.boot = running;
    }
    this.image = booted(this.table);
    this.target = otherSlot(this.table);
    // A confirmed image must also be valid for the bootloader, or its next reset would revert it
    // (an image selected again by rollBack() boots as new). Writes otadata only when it is not.
    if (this.image.state === 'confirmed') flash.markValid();
    this.save();
  }

  running(): RunningImage {
    return this.image;
  }

  open(sizeBytes: number, resumeAt: number): number {
    const capacity = this.flash.slotBytes(this.target);
    if (!Number.isInteger(sizeBytes) || sizeBytes <= 0 || sizeBytes > capacity) throw new RangeError(`image size must be 1..${capacity} bytes (the app slot), got ${sizeBytes}`);
    if (!Number.isInteger(resumeAt) || resumeAt < 0 || resumeAt > sizeBytes) throw new RangeError(`resume offset must be 0..${sizeBytes}, got ${resumeAt}`);
    const sector = this.flash.sectorBytes;
    const start = resumeAt - (resumeAt % sector);
    this.open_ = { size: sizeBytes, written: resumeAt, erasedTo: start };
    if (start >= capacity) return resumeAt; // the whole slot is written already
    // The sector holding the resume point may hold bytes written after the checkpoint: keep the
    // bytes before it, erase the sector, write them back, so every later write lands on erased flash.
    const head = new Uint8Array(resumeAt - start);
    if (head.length) this.flash.read(this.target, start, head);
    this.flash.erase(this.target, start, sector);
    if (head.length) this.flash.write(this.target, start, head);
    this.open_.erasedTo = start + sector;
    return resumeAt;
  }

  write(chunk: Uint8Array): void {
    const job = this.open_;
    if (!job) throw new Error('write before open');
    if (job.written + chunk.byteLength > job.size) throw new RangeError(`image longer than the announced ${job.size} bytes`);
    const end = job.written + chunk.byteLength;
    if (end > job.erasedTo) {
      const sector = this.flash.sectorBytes;
      const to = Math.min(Math.ceil(end / sector) * sector, this.flash.slotBytes(this.target));
      this.flash.erase(this.target, job.erasedTo, to - job.erasedTo);
      job.erasedTo = to;
    }
    this.flash.write(this.target, job.written, chunk);
    job.written = end;
  }

  activate(version: string): void {
    const job = this.open_;
    if (!job || job.written !== job.size) throw new Error(`image incomplete: ${job?.written ?? 0} of ${job?.size ?? '?'} bytes`);
    this.flash.selectBoot(this.target); // first: a table must never name an image the bootloader refuses
    activated(this.table, version);
    this.save();
    this.open_ = undefined;
  }

  abort(): void {
    // The partial image stays in flash, harmless: nothing selects it, and the next open erases ahead of it.
    this.open_ = undefined;
  }

  confirm(): void {
    this.flash.markValid();
    confirmed(this.table);
    this.image.state = 'confirmed';
    this.save();
  }

  rollBack(): void {
    const previous = otherSlot(this.table);
    if (!this.table.slots[previous]) throw new Error('no previous image to roll back to');
    this.flash.selectBoot(previous);
    rolledBack(this.table);
    this.save();
  }

  restart(): void {
    this.flash.restart();
  }

  private save(): void {
    this.settings.set(SLOT_TABLE_KEY, JSON.stringify(this.table));
  }
}

function tableFor(running: 0 | 1, version: string): SlotTable {
  const table = initialSlotTable(version);
  if (running === 1) table.slots = [null, table.slots[0]];
  table.boot = running;
  return table;
}

function readTable(text: string | undefined): SlotTable | undefined {
  if (text === undefined) return undefined;
  try {
    const table = JSON.parse(text) as SlotTable;
    return (table.boot === 0 || table.boot === 1) && Array.isArray(table.slots) && table.slots[table.boot] ? table : undefined;
  } catch {
    return undefined; // a damaged table: start over from what runs
  }
}
