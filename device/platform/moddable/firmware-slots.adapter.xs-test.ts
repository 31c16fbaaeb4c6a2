/**
 * EspFirmwareSlots (firmware-slots.adapter.ts) over an in-memory NOR flash that behaves like the
 * ESP32's: erase sets whole 4 KiB sectors to 0xFF, a write may only clear bits (it throws on a byte
 * that was not erased), the running slot refuses both, and a boot is a new adapter on the same
 * flash and NVS.
 */
import { MemorySettingsStore } from '../../core/relays/testing';
import { check, checkEqual, checkThrows, XsTest } from '../../xs/harness';
import { EspFirmwareSlots, SLOT_TABLE_KEY, SlotFlash } from './firmware-slots.adapter';

const SECTOR = 4096;
const SLOT_BYTES = 16 * SECTOR;

class NorFlash implements SlotFlash {
  readonly sectorBytes = SECTOR;
  readonly slots = [new Uint8Array(SLOT_BYTES).fill(0xff), new Uint8Array(SLOT_BYTES).fill(0xff)];
  running: 0 | 1 = 0;
  /** What the bootloader starts next (esp_ota_set_boot_partition). */
  boot: 0 | 1 = 0;
  erasedSectors = 0;
  validMarks = 0;
  restarts = 0;
  /** Slots whose image "does not verify". */
  readonly broken = new Set<number>();

  runningSlot(): number {
    return this.running;
  }
  slotBytes(): number {
    return SLOT_BYTES;
  }
  erase(slot: 0 | 1, offset: number, length: number): void {
    this.refuseRunning(slot);
    if (offset % SECTOR || length % SECTOR || offset + length > SLOT_BYTES) throw new RangeError(`erase ${length} at ${offset}`);
    this.slots[slot].fill(0xff, offset, offset + length);
    this.erasedSectors += length / SECTOR;
  }
  read(slot: 0 | 1, offset: number, bytes: Uint8Array): void {
    bytes.set(this.slots[slot].subarray(offset, offset + bytes.length));
  }
  write(slot: 0 | 1, offset: number, bytes: Uint8Array): void {
    this.refuseRunning(slot);
    bytes.forEach((byte, k) => {
      if (this.slots[slot][offset + k] !== 0xff) throw new Error(`write onto unerased flash at ${offset + k}`);
      this.slots[slot][offset + k] = byte;
    });
  }
  selectBoot(slot: 0 | 1): void {
    if (this.broken.has(slot)) throw new Error('esp_ota_set_boot_partition failed: ESP_ERR_OTA_VALIDATE_FAILED');
    this.boot = slot;
  }
  markValid(): void {
    this.validMarks++;
  }
  restart(): void {
    this.restarts++;
  }
  /** A reset: the bootloader starts the selected slot. */
  reset(): void {
    this.running = this.boot;
  }
  private refuseRunning(slot: 0 | 1): void {
    if (slot === this.running) throw new RangeError(`ota_${slot} is the running slot`);
  }
}

const image = (length: number): Uint8Array => Uint8Array.from({ length }, (_, k) => (k * 13 + 5) & 255);
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((byte, k) => byte === b[k]);

function rig() {
  const flash = new NorFlash();
  const nvs = new MemorySettingsStore();
  return { flash, nvs, boot: () => new EspFirmwareSlots(flash, nvs, 'built-in 1.0') };
}

const tests: XsTest[] = [
  {
    name: 'esp slots: the first boot confirms the built-in version in the running slot and keeps the table in NVS',
    run() {
      const r = rig();
      const slots = r.boot();
      checkEqual(JSON.stringify(slots.running()), JSON.stringify({ version: 'built-in 1.0', state: 'confirmed', bootAttempts: 0 }));
      check(r.nvs.get(SLOT_TABLE_KEY) !== undefined, 'table saved');
      checkEqual(r.flash.validMarks, 1, 'a confirmed image is marked valid for the bootloader');
    },
  },
  {
    name: 'esp slots: an image written in chunks lands in the other slot, erased sector by sector, and boots pending',
    run() {
      const r = rig();
      const slots = r.boot();
      const bytes = image(5 * SECTOR + 123);
      checkEqual(slots.open(bytes.length, 0), 0);
      for (let at = 0; at < bytes.length; at += 1000) slots.write(bytes.subarray(at, Math.min(at + 1000, bytes.length)));
      checkEqual(r.flash.erasedSectors, 6, 'only the sectors the image needs');
      check(sameBytes(r.flash.slots[1].subarray(0, bytes.length), bytes), 'slot 1 holds the image');
      slots.activate('2.0');
      checkEqual(r.flash.boot, 1, 'ota_1 selected');
      r.flash.reset();
      const next = r.boot();
      checkEqual(JSON.stringify(next.running()), JSON.stringify({ version: '2.0', state: 'pending', bootAttempts: 1 }));
      next.confirm();
      r.flash.reset();
      checkEqual(r.boot().running().state, 'confirmed');
    },
  },
  {
    name: 'esp slots: after a power cut the download resumes at the checkpoint, keeping the bytes before it in its sector',
    run() {
      const r = rig();
      const bytes = image(4 * SECTOR);
      let slots = r.boot();
      slots.open(bytes.length, 0);
      slots.write(bytes.subarray(0, 10000)); // checkpoint at 6000, power cut at 10 000
      r.flash.reset();
      slots = r.boot();
      checkEqual(slots.open(bytes.length, 6000), 6000);
      slots.write(bytes.subarray(6000));
      check(sameBytes(r.flash.slots[1].subarray(0, bytes.length), bytes), 'the image is whole: no write hit unerased flash');
      slots.activate('2.0');
      checkEqual(r.flash.boot, 1);
    },
  },
  {
    name: 'esp slots: a deadline rollback selects the previous slot, which is confirmed and marked valid again',
    run() {
      const r = rig();
      let slots = r.boot();
      slots.open(SECTOR, 0);
      slots.write(image(SECTOR));
      slots.activate('2.0');
      r.flash.reset();
      slots = r.boot();
      slots.rollBack();
      checkEqual(r.flash.boot, 0, 'ota_0 selected again');
      r.flash.reset();
      const marks = r.flash.validMarks;
      slots = r.boot();
      checkEqual(JSON.stringify(slots.running()), JSON.stringify({ version: 'built-in 1.0', state: 'confirmed', bootAttempts: 0 }));
      checkEqual(r.flash.validMarks, marks + 1);
      checkThrows(() => slots.rollBack(), /no previous image/);
    },
  },
  {
    name: 'esp slots: when the bootloader went back by itself the table drops the new image',
    run() {
      const r = rig();
      const slots = r.boot();
      slots.open(SECTOR, 0);
      slots.write(image(SECTOR));
      slots.activate('2.0');
      // The new image reset before confirming: the bootloader (app rollback) started ota_0 again.
      const after = r.boot();
      checkEqual(after.running().version, 'built-in 1.0');
      checkThrows(() => after.rollBack(), /no previous image/);
    },
  },
  {
    name: 'esp slots: an image the bootloader would refuse is not recorded, and bad sizes change nothing',
    run() {
      const r = rig();
      const slots = r.boot();
      const table = r.nvs.get(SLOT_TABLE_KEY);
      checkThrows(() => slots.open(SLOT_BYTES + 1, 0), /1\.\.65536/);
      checkThrows(() => slots.open(100, 101), /0\.\.100/);
      checkThrows(() => slots.write(image(10)), /before open/);
      slots.open(100, 0);
      checkThrows(() => slots.write(image(101)), /longer than the announced 100/);
      checkThrows(() => slots.activate('2.0'), /incomplete: 0 of 100/);
      slots.write(image(100));
      r.flash.broken.add(1);
      checkThrows(() => slots.activate('2.0'), /VALIDATE_FAILED/);
      checkEqual(r.nvs.get(SLOT_TABLE_KEY), table, 'table unchanged');
      checkEqual(r.flash.boot, 0);
    },
  },
  {
    name: 'esp slots: a table that does not know the running slot starts over with the built-in version',
    run() {
      const r = rig();
      r.nvs.set(SLOT_TABLE_KEY, '{not json');
      r.flash.running = 1;
      const slots = r.boot();
      checkEqual(JSON.stringify(slots.running()), JSON.stringify({ version: 'built-in 1.0', state: 'confirmed', bootAttempts: 0 }));
      slots.open(SECTOR, 0);
      slots.write(image(SECTOR));
      check(sameBytes(r.flash.slots[0].subarray(0, SECTOR), image(SECTOR)), 'writes go to ota_0 now');
    },
  },
];

export default tests;
