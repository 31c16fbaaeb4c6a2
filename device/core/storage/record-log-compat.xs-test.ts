/**
 * Flash written by older firmware must still read after an update (docs/store-and-forward.md):
 * the log in record-log-v1.fixture.ts was written before the metric table existed.
 */
import { check, checkEqual, XsTest } from '../../xs/harness';
import { MemoryFlash } from './memory-flash';
import { RECORD_LOG_V1_SECTOR_SIZE, RECORD_LOG_V1_SECTORS } from './record-log-v1.fixture';
import { TelemetryGenerator, TelemetryInput } from './test-telemetry';
import { boot, checkCoverage, sameReadings } from './testing';

function fromHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let k = 0; k < bytes.length; k++) bytes[k] = parseInt(hex.slice(2 * k, 2 * k + 2), 16);
  return bytes;
}

function oldFlash(): MemoryFlash {
  const flash = new MemoryFlash({ byteLength: RECORD_LOG_V1_SECTORS.length * RECORD_LOG_V1_SECTOR_SIZE, sectorSize: RECORD_LOG_V1_SECTOR_SIZE });
  RECORD_LOG_V1_SECTORS.forEach((hex, s) => {
    if (hex.length > 0) flash.write(s * RECORD_LOG_V1_SECTOR_SIZE, fromHex(hex));
  });
  return flash;
}

/** The inputs the fixture was written from (see record-log-v1.fixture.ts). */
function oldInputs(): Map<number, TelemetryInput> {
  const gen = new TelemetryGenerator({ circuits: 3, seed: 7, reactiveEnergy: true });
  const inputs = new Map<number, TelemetryInput>();
  for (let seq = 1; seq <= 50; seq++) {
    const input = gen.next();
    if (seq % 3 === 0) {
      delete input.circuits[1].reactive_import_varh;
      delete input.circuits[1].reactive_export_varh;
    }
    inputs.set(seq, input);
  }
  return inputs;
}

const tests: XsTest[] = [
  {
    name: 'a log written by older firmware reads back: every unacked seq, exact counters, raw records unchanged',
    run() {
      const log = boot(oldFlash(), 3);
      const inputs = oldInputs();
      checkEqual(log.ackedSeq, 3, 'ack point');
      checkEqual(log.nextSeq, 51, 'next seq');
      checkEqual(log.stats().corruptRecords, 0, 'corrupt records');
      const records = log.readFrom(0, 100);
      checkCoverage(records, 4, 50, inputs);
      const raw = records.filter((r) => r.merged_from_seq === undefined);
      check(raw.length >= 10 && raw.length < records.length, `raw and merged records both present (${raw.length} of ${records.length})`);
      for (const record of raw) sameReadings(record, inputs.get(record.seq)!, `seq ${record.seq}`);
    },
  },
];

export default tests;
