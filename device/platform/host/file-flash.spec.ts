import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PowerCutError, seededRandom } from '../../core/storage/power-cut';
import { RecordLog } from '../../core/storage/record-log';
import { TelemetryGenerator, TelemetryInput } from '../../core/storage/test-telemetry';
import { checkCoverage } from '../../core/storage/testing';
import { FileFlash } from './file-flash';

describe(FileFlash.name, () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'file-flash-'));
    path = join(dir, 'records.bin');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should create an erased file of the partition size', () => {
    new FileFlash({ path, byteLength: 4 * 4096 }).close();
    expect(statSync(path).size).toBe(4 * 4096);
    expect(readFileSync(path).every((b) => b === 0xff)).toBe(true);
  });

  it('should refuse a file of another size', () => {
    new FileFlash({ path, byteLength: 4 * 4096 }).close();
    expect(() => new FileFlash({ path, byteLength: 8 * 4096 })).toThrow(/16384 bytes, expected 32768/);
  });

  it('should enforce NOR rules: no 0 → 1 without an erase, whole aligned words', () => {
    const flash = new FileFlash({ path, byteLength: 2 * 4096 });
    flash.write(0, Uint8Array.of(0x0f, 0xff, 0xff, 0xff));
    expect(() => flash.write(0, Uint8Array.of(0xf0, 0xff, 0xff, 0xff))).toThrow(/needs 0 → 1/);
    expect(() => flash.write(2, new Uint8Array(4))).toThrow(/aligned words/);
    flash.eraseSector(0);
    flash.write(0, Uint8Array.of(0xf0, 0xff, 0xff, 0xff));
    expect(Array.from(flash.read(0, 4))).toEqual([0xf0, 0xff, 0xff, 0xff]);
    flash.close();
  });

  it('should keep only the first bytes of a write cut by a power cut, in the file', () => {
    const flash = new FileFlash({ path, byteLength: 2 * 4096 });
    flash.cut.armPowerCut({ afterBytes: 5 });
    expect(() => flash.write(8, new Uint8Array(8))).toThrow(PowerCutError);
    expect(() => flash.read(0, 4)).toThrow(PowerCutError);
    flash.close();
    const reopened = new FileFlash({ path, byteLength: 2 * 4096 });
    expect(Array.from(reopened.read(8, 8))).toEqual([0, 0, 0, 0, 0, 0xff, 0xff, 0xff]);
    reopened.close();
  });

  it('should keep every durable record of a RecordLog through random cuts and process restarts', () => {
    const gen = new TelemetryGenerator({ circuits: 10, seed: 7 });
    const random = seededRandom(99);
    const inputs = new Map<number, TelemetryInput>();
    let lastDurable = 0;
    for (let round = 0; round < 10; round++) {
      const flash = new FileFlash({ path, byteLength: 16 * 4096 });
      const log = new RecordLog({ flash, circuits: 10 });
      log.open();
      expect(log.nextSeq).toBe(lastDurable + 1);
      checkCoverage(log.readFrom(0, 100000), 1, lastDurable, inputs);
      flash.cut.armRandomPowerCut(random, 40_000);
      expect(() => {
        for (;;) {
          const input = gen.next();
          lastDurable = log.append(input);
          inputs.set(lastDurable, input);
        }
      }).toThrow(PowerCutError);
      flash.close();
    }
    expect(lastDurable).toBeGreaterThan(500);
  });
});
