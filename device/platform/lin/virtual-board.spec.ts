/**
 * The virtual board's storage must have the ESP32's geometry: the host modules run only inside
 * the Moddable build, so their sizes are read from their sources and held to device/partitions.csv.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const csv = fs.readFileSync(path.resolve(__dirname, '../../partitions.csv'), 'utf8');
const sizeOf = (name: string): number => {
  const row = csv.split(/\r?\n/).find((line) => line.split(',')[0]?.trim() === name);
  if (!row) throw new Error(`partitions.csv has no ${name}`);
  return Number(row.split(',')[4].trim());
};
const source = (file: string): string => fs.readFileSync(path.join(__dirname, file), 'utf8');

describe('virtual board storage', () => {
  it('should size the records and events flash files as their partitions', () => {
    const match = source('flash.host.ts').match(/DATA_PARTITIONS[^=]*= Object\.freeze\(\{ records: (0x[0-9a-f]+), events: (0x[0-9a-f]+) \}\)/);
    expect(Number(match?.[1])).toBe(sizeOf('records'));
    expect(Number(match?.[2])).toBe(sizeOf('events'));
  });

  it('should size the OTA slot files as the app partitions', () => {
    const match = source('ota.host.ts').match(/APP_SLOT_BYTES = (0x[0-9a-f]+);/);
    expect(Number(match?.[1])).toBe(sizeOf('ota_0'));
    expect(sizeOf('ota_1')).toBe(sizeOf('ota_0'));
  });
});
