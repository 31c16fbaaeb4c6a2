/** Helpers shared by this folder's test vectors (portable). */
import { check, checkEqual } from '../../xs/harness';
import { FlashPartition } from '../ports';
import { PowerCutError } from './power-cut';
import { StoredRecord } from './record-codec';
import { RecordLog } from './record-log';
import { TelemetryInput } from './test-telemetry';

/** A boot: a new RecordLog over the same partition (power restored if it was cut). */
export function boot(flash: FlashPartition & { cut?: { powerOn(): void } }, circuits = 10): RecordLog {
  flash.cut?.powerOn();
  const log = new RecordLog({ flash, circuits });
  log.open();
  return log;
}

/** Runs `fn`, expecting a simulated power cut; returns whether one happened. */
export function cutDuring(fn: () => void): boolean {
  try {
    fn();
    return false;
  } catch (error) {
    if (error instanceof PowerCutError) return true;
    throw error;
  }
}

export function sameReadings(stored: StoredRecord, input: TelemetryInput, message: string): void {
  checkEqual(stored.ts, input.ts, `${message} ts`);
  checkEqual(stored.interval_s, input.interval_s, `${message} interval_s`);
  checkEqual(JSON.stringify(stored.circuits), JSON.stringify(input.circuits), `${message} circuits`);
}

/**
 * Records cover every seq from `fromSeq` to `toSeq` exactly once, in order (a merged record covers
 * merged_from_seq..seq), and each record's counters equal the input appended under its seq.
 */
export function checkCoverage(records: StoredRecord[], fromSeq: number, toSeq: number, inputs: Map<number, TelemetryInput>): void {
  let expected = fromSeq;
  for (const record of records) {
    const first = record.merged_from_seq ?? record.seq;
    check(first <= expected && record.seq >= expected, `record ${first}..${record.seq} does not continue at seq ${expected}`);
    const input = inputs.get(record.seq);
    check(input !== undefined, `no input for seq ${record.seq}`);
    for (let i = 0; i < input!.circuits.length; i++) {
      checkEqual(record.circuits[i].energy_import_wh, input!.circuits[i].energy_import_wh, `seq ${record.seq} circuit ${i + 1} import`);
      checkEqual(record.circuits[i].energy_export_wh, input!.circuits[i].energy_export_wh, `seq ${record.seq} circuit ${i + 1} export`);
    }
    expected = record.seq + 1;
  }
  checkEqual(expected, toSeq + 1, 'coverage ends at');
}
