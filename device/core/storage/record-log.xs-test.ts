import { check, checkEqual, checkThrows, XsTest } from '../../xs/harness';
import { MemoryFlash } from './memory-flash';
import { RecordLog } from './record-log';
import { TelemetryGenerator, TelemetryInput } from './test-telemetry';
import { boot, checkCoverage, sameReadings } from './testing';

const SECTOR = 4096;

function fill(log: RecordLog, gen: TelemetryGenerator, n: number, inputs?: Map<number, TelemetryInput>): number[] {
  const seqs: number[] = [];
  for (let i = 0; i < n; i++) {
    const input = gen.next();
    const seq = log.append(input);
    inputs?.set(seq, input);
    seqs.push(seq);
  }
  return seqs;
}

const tests: XsTest[] = [
  {
    name: 'append then readFrom returns the same readings in seq order, from seq 1',
    run() {
      const flash = new MemoryFlash({ byteLength: 16 * SECTOR });
      const log = boot(flash);
      checkEqual(log.nextSeq, 1, 'first seq');
      const gen = new TelemetryGenerator({ circuits: 10, seed: 2, reactiveEnergy: true });
      const inputs = new Map<number, TelemetryInput>();
      const seqs = fill(log, gen, 120, inputs);
      checkEqual(seqs.join(), Array.from({ length: 120 }, (_, i) => i + 1).join(), 'seqs');
      const records = log.readFrom(0, 1000);
      checkEqual(records.length, 120, 'count');
      records.forEach((r) => sameReadings(r, inputs.get(r.seq)!, `seq ${r.seq}`));
      checkEqual(log.pendingCount, 120, 'pending');
      const page = log.readFrom(50, 7);
      checkEqual(page.map((r) => r.seq).join(), '51,52,53,54,55,56,57', 'page');
    },
  },
  {
    name: 'a reboot finds every record, the next seq and the ack point',
    run() {
      const flash = new MemoryFlash({ byteLength: 16 * SECTOR });
      const gen = new TelemetryGenerator({ circuits: 10, seed: 3 });
      const inputs = new Map<number, TelemetryInput>();
      const log = boot(flash);
      fill(log, gen, 80, inputs);
      log.ack(30);
      const again = new RecordLog({ flash, circuits: 10 });
      const found = again.open();
      checkEqual(found.lastSeq, 80, 'lastSeq');
      checkEqual(found.tornRecordsSkipped, 0, 'torn');
      checkEqual(again.nextSeq, 81, 'nextSeq');
      checkEqual(again.ackedSeq, 30, 'ackedSeq');
      checkEqual(again.pendingCount, 50, 'pending');
      const records = again.readFrom(again.ackedSeq, 1000);
      checkEqual(records[0].seq, 31, 'first unacked');
      records.forEach((r) => sameReadings(r, inputs.get(r.seq)!, `seq ${r.seq}`));
      checkEqual(again.append(gen.next()), 81, 'appends continue');
    },
  },
  {
    name: 'acked sectors are reclaimed and the ack point survives their erase',
    run() {
      const flash = new MemoryFlash({ byteLength: 8 * SECTOR });
      const gen = new TelemetryGenerator({ circuits: 10, seed: 4 });
      let log = boot(flash);
      // Online: every record is acked soon after; many times the partition size goes through.
      for (let i = 0; i < 2000; i++) {
        const seq = log.append(gen.next());
        if (seq % 5 === 0) log.ack(seq - 2);
        if (i % 500 === 499) log = boot(flash);
      }
      checkEqual(log.stats().recordsMerged, 0, 'nothing had to be merged');
      check(log.stats().sectorsErased > 0 || flash.eraseCounts.some((n) => n > 0), 'sectors were reused');
      checkEqual(log.nextSeq, 2001, 'nextSeq');
      checkEqual(log.ackedSeq, 1998, 'ackedSeq');
      checkEqual(log.pendingCount, 2, 'pending');
      checkThrows(() => log.ack(2001), /beyond the last seq 2000/);
    },
  },
  {
    name: 'seqs are never reused after everything was acked, erased and rebooted',
    run() {
      const flash = new MemoryFlash({ byteLength: 6 * SECTOR });
      const gen = new TelemetryGenerator({ circuits: 10, seed: 5 });
      let log = boot(flash);
      let last = 0;
      for (let round = 0; round < 12; round++) {
        for (let i = 0; i < 40; i++) last = log.append(gen.next());
        log.ack(last);
        checkEqual(log.pendingCount, 0, 'all acked');
        log = boot(flash);
        checkEqual(log.nextSeq, last + 1, `round ${round} nextSeq`);
        checkEqual(log.ackedSeq, last, `round ${round} ackedSeq`);
        checkEqual(log.readFrom(0, 10).length, 0, 'nothing to send');
      }
      // A fresh head opened by an ack alone, then rebooted before any append.
      checkEqual(log.append(gen.next()), last + 1, 'next seq');
    },
  },
  {
    name: 'the index is O(sectors): no field grows with the number of records',
    run() {
      const flash = new MemoryFlash({ byteLength: 8 * SECTOR });
      const log = boot(flash);
      const gen = new TelemetryGenerator({ circuits: 10, seed: 6 });
      const sizes = () =>
        Object.values(log as unknown as Record<string, unknown>)
          .map((v) => (ArrayBuffer.isView(v) ? (v as Uint8Array).byteLength : Array.isArray(v) ? v.length : 0))
          .reduce((a, b) => a + b, 0);
      fill(log, gen, 10);
      const before = sizes();
      fill(log, gen, 1500);
      checkEqual(sizes(), before, 'bytes held in arrays');
      check(before <= 8 * 64 + 4 * SECTOR + 20 * 8 * 11 * 8, `index and buffers ${before} bytes`);
    },
  },
  {
    name: 'a bit flip in a stored record is detected; the records before it are intact',
    run() {
      const flash = new MemoryFlash({ byteLength: 8 * SECTOR });
      const gen = new TelemetryGenerator({ circuits: 10, seed: 7 });
      const inputs = new Map<number, TelemetryInput>();
      const log = boot(flash);
      fill(log, gen, 10, inputs);
      const offsetOfSeq6 = (() => {
        // Walk to the 6th record: each entry starts with its info word; the seq follows it.
        const image = flash.read(0, SECTOR);
        for (let at = 32; at < SECTOR; at += 4) {
          if (image[at + 4] === 6 && image[at + 5] === 0 && image[at + 6] === 0 && image[at + 7] === 0) return at;
        }
        return -1;
      })();
      check(offsetOfSeq6 > 0, 'found record 6');
      flash.corrupt(offsetOfSeq6 + 20, 0x10);
      const again = boot(flash);
      const records = again.readFrom(0, 100);
      checkEqual(records.map((r) => r.seq).join(), '1,2,3,4,5', 'readable records');
      records.forEach((r) => sameReadings(r, inputs.get(r.seq)!, `seq ${r.seq}`));
      check(again.stats().corruptRecords >= 1, 'corruption counted');
    },
  },
  {
    name: 'when full, old unacked data is merged, never dropped, and counters stay exact',
    run() {
      const flash = new MemoryFlash({ byteLength: 16 * SECTOR });
      const gen = new TelemetryGenerator({ circuits: 10, seed: 8, reactiveEnergy: true });
      const inputs = new Map<number, TelemetryInput>();
      let log = boot(flash);
      // A day at 10 s into 64 KiB: everything has to go through several merge tiers.
      const n = 8640;
      for (let i = 0; i < n; i++) {
        const input = gen.next();
        inputs.set(log.append(input), input);
        if (i % 3000 === 2999) log = boot(flash);
      }
      const stats = log.stats();
      check(stats.merges > 0, 'merged');
      checkEqual(stats.recordsDropped, 0, 'dropped');
      const records = log.readFrom(0, 100000);
      checkCoverage(records, 1, n, inputs);
      checkEqual(log.pendingCount, records.length, 'pending = records');
      check(records.some((r) => r.interval_s >= 3600), 'coarse records exist');
      sameReadings(records[records.length - 1], inputs.get(n)!, 'newest record kept at full resolution');
      let spanS = 0;
      for (const r of records) spanS += r.interval_s;
      checkEqual(Math.round(spanS), n * 10, 'merged intervals add up to the time covered');
    },
  },
  {
    name: 'acked records are dropped from merges; readFrom after the ack point still covers the rest',
    run() {
      const flash = new MemoryFlash({ byteLength: 8 * SECTOR });
      const gen = new TelemetryGenerator({ circuits: 10, seed: 9 });
      const inputs = new Map<number, TelemetryInput>();
      const log = boot(flash);
      for (let i = 0; i < 3000; i++) {
        const input = gen.next();
        const seq = log.append(input);
        inputs.set(seq, input);
        if (seq === 1250) log.ack(1000);
      }
      check(log.stats().merges > 0, 'merged');
      const records = log.readFrom(log.ackedSeq, 100000);
      checkCoverage(records, 1001, 3000, inputs);
    },
  },
];

export default tests;
