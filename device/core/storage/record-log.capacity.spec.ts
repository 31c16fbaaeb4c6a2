/**
 * Capacity at full size (Node only: too slow for every XS run): 7 days of 10 circuits at 10 s in a
 * 1 MiB partition, never acked. Nothing may be dropped and every record's counters must be exact.
 */
import { check } from '../../xs/harness';
import { MemoryFlash } from './memory-flash';
import { RecordLog } from './record-log';
import { TelemetryGenerator, TelemetryInput } from './test-telemetry';
import { boot, checkCoverage, sameReadings } from './testing';

describe(`${RecordLog.name} capacity`, () => {
  it('should keep 7 days of 10 s records in 1 MiB with exact energy counters', () => {
    const flash = new MemoryFlash({ byteLength: 1 << 20 });
    const gen = new TelemetryGenerator({ circuits: 10, seed: 41, reactiveEnergy: true });
    const inputs = new Map<number, TelemetryInput>();
    let log = boot(flash);
    const records7d = 7 * 8640;
    for (let i = 0; i < records7d; i++) {
      const input = gen.next();
      inputs.set(log.append(input), input);
      if (i === 30_000) log = boot(flash);
    }
    log = boot(flash);
    const stats = log.stats();
    expect(stats.recordsDropped).toBe(0);
    expect(log.nextSeq).toBe(records7d + 1);
    const records = log.readFrom(0, 1e6);
    checkCoverage(records, 1, records7d, inputs);
    expect(log.pendingCount).toBe(records.length);
    const spanS = records.reduce((sum, r) => sum + r.interval_s, 0);
    expect(Math.round(spanS)).toBe(records7d * 10);
    // The newest hours stay at full resolution.
    const raw = records.filter((r) => r.merged_from_seq === undefined);
    check(raw.length >= 6 * 360, `${raw.length} raw records`);
    for (const r of raw.slice(-100)) sameReadings(r, inputs.get(r.seq)!, `seq ${r.seq}`);
    // Every merged record's totals equal the counters at its last constituent (exact Wh, not float drift).
    const totalImportWh = records[records.length - 1].circuits.reduce((sum, c) => sum + Math.round(c.energy_import_wh * 1000), 0);
    expect(totalImportWh).toBe(gen.importMWh.reduce((a, b) => a + b, 0));
  });
});
