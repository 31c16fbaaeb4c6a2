/**
 * The OTA port of the virtual meter: the two app slots of device/partitions.csv are files
 * `ota_0.bin` / `ota_1.bin` in the meter's data folder, and `otadata.json` is the slot table
 * (core/ota/slot-table.ts). Unlike the ESP32's `ota` module, a partial image survives a restart,
 * so a download resumes after a power cut. `restart()` hands over to the owner, which builds the
 * meter again on the same folder (VirtualMeter `onRestart`).
 */
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { FirmwareSlots, RunningImage } from '../../core/ota/ota.ports';
import { activated, booted, confirmed, initialSlotTable, otherSlot, rolledBack, SlotTable } from '../../core/ota/slot-table';

export class FileSlots implements FirmwareSlots {
  private readonly table: SlotTable;
  private readonly image: RunningImage;
  private fd?: number;
  private position = 0;

  /** A boot: reads (or creates, with `factoryVersion` in slot 0) the slot table and counts the boot. */
  constructor(
    private readonly dir: string,
    factoryVersion: string,
    private readonly onRestart: () => void,
  ) {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'otadata.json');
    this.table = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as SlotTable) : initialSlotTable(factoryVersion);
    this.image = booted(this.table);
    this.save();
  }

  running(): RunningImage {
    return this.image;
  }

  /** The bytes of the running slot (empty for the factory image, which was never written). */
  runningImageBytes(): Uint8Array {
    const path = this.slotPath(this.table.boot);
    return existsSync(path) ? readFileSync(path) : new Uint8Array(0);
  }

  open(_sizeBytes: number, resumeAt: number): number {
    this.close();
    const path = this.slotPath(otherSlot(this.table));
    const have = existsSync(path) ? statSync(path).size : 0;
    this.position = Math.min(resumeAt, have);
    this.fd = openSync(path, existsSync(path) ? 'r+' : 'w');
    ftruncateSync(this.fd, this.position);
    return this.position;
  }

  write(chunk: Uint8Array): void {
    if (this.fd === undefined) throw new Error('write before open');
    this.position += writeSync(this.fd, chunk, 0, chunk.length, this.position);
  }

  activate(version: string): void {
    this.close();
    activated(this.table, version);
    this.save();
  }

  abort(): void {
    if (this.fd !== undefined) ftruncateSync(this.fd, 0);
    this.close();
  }

  confirm(): void {
    confirmed(this.table);
    this.image.state = 'confirmed';
    this.save();
  }

  rollBack(): void {
    rolledBack(this.table);
    this.save();
  }

  restart(): void {
    this.close();
    this.onRestart();
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private slotPath(slot: 0 | 1): string {
    return join(this.dir, `ota_${slot}.bin`);
  }

  private save(): void {
    const path = join(this.dir, 'otadata.json');
    writeFileSync(`${path}.tmp`, JSON.stringify(this.table));
    renameSync(`${path}.tmp`, path);
  }
}
