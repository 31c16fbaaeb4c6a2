/**
 * device/partitions.csv must be a valid ESP-IDF table for the 4 MiB module: no overlaps, app
 * slots on 64 KiB boundaries, data on 4 KiB sectors, everything inside the flash, and the
 * partitions the firmware opens by label present with the sizes the code assumes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EVENT_FLASH_BYTES, FLASH_BYTES } from '../platform/host/virtual-meter';

interface Partition {
  name: string;
  type: string;
  subtype: string;
  offset: number;
  size: number;
}

const FLASH_SIZE = 4 * 1024 * 1024;
/** The partition table itself lives at 0x8000 (one sector); everything else comes after it. */
const FIRST_FREE = 0x9000;
const csv = fs.readFileSync(path.resolve(__dirname, '../partitions.csv'), 'utf8');
const partitions: Partition[] = csv
  .split(/\r?\n/)
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'))
  .map((line) => {
    const [name, type, subtype, offset, size] = line.split(',').map((cell) => cell.trim());
    return { name, type, subtype, offset: Number(offset), size: Number(size) };
  });
const byName = (name: string): Partition => {
  const found = partitions.find((p) => p.name === name);
  if (!found) throw new Error(`partitions.csv has no ${name}`);
  return found;
};

describe('device/partitions.csv', () => {
  it('should give every partition an explicit, aligned offset inside the flash', () => {
    for (const p of partitions) {
      expect(Number.isInteger(p.offset) && Number.isInteger(p.size)).toBe(true);
      expect(p.offset % (p.type === 'app' ? 0x10000 : 0x1000)).toBe(0);
      expect(p.size % 0x1000).toBe(0);
      expect(p.offset).toBeGreaterThanOrEqual(FIRST_FREE);
      expect(p.offset + p.size).toBeLessThanOrEqual(FLASH_SIZE);
    }
  });

  it('should not overlap', () => {
    const sorted = [...partitions].sort((a, b) => a.offset - b.offset);
    for (let k = 1; k < sorted.length; k++) expect(sorted[k].offset).toBeGreaterThanOrEqual(sorted[k - 1].offset + sorted[k - 1].size);
  });

  it('should have two equal OTA slots, otadata, NVS and no factory app', () => {
    expect(byName('ota_0').size).toBe(byName('ota_1').size);
    expect(byName('otadata').size).toBe(0x2000);
    expect(byName('nvs').subtype).toBe('nvs');
    expect(partitions.some((p) => p.subtype === 'factory')).toBe(false);
  });

  it('should hold the record and event logs the virtual meter mirrors, and the LittleFS storage for large settings', () => {
    expect(byName('records')).toMatchObject({ type: 'data', size: FLASH_BYTES });
    expect(byName('events')).toMatchObject({ type: 'data', size: EVENT_FLASH_BYTES });
    // A 60 KB relay plan is written to a temp file and renamed: two copies plus LittleFS metadata.
    expect(byName('storage').type).toBe('data');
    expect(byName('storage').size).toBeGreaterThanOrEqual(4 * 64 * 1024);
  });
});
