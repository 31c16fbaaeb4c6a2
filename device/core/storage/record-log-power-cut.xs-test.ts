/**
 * Power cuts at every byte of the writes the log makes (docs/invariants.md invariant 1): after the "reboot"
 * every record whose append() returned is intact, the torn one is skipped, and appending continues.
 */
import { check, checkEqual, XsTest } from '../../xs/harness';
import { MemoryFlash } from './memory-flash';
import { seededRandom } from './power-cut';
import { RecordLog, RecordLogStats } from './record-log';
import { TelemetryGenerator, TelemetryInput } from './test-telemetry';
import { boot, checkCoverage, cutDuring, sameReadings } from './testing';

const SECTOR = 4096;

interface Scene {
  flash: MemoryFlash;
  log: RecordLog;
  gen: TelemetryGenerator;
  inputs: Map<number, TelemetryInput>;
  /** The input the scene is poised to append. */
  next: TelemetryInput;
}

function scene(sectors: number, records: number, options: { ackEvery?: number } = {}): Scene {
  const flash = new MemoryFlash({ byteLength: sectors * SECTOR });
  const log = boot(flash);
  const gen = new TelemetryGenerator({ circuits: 10, seed: 11 });
  const inputs = new Map<number, TelemetryInput>();
  const s: Scene = { flash, log, gen, inputs, next: gen.next() };
  for (let i = 0; i < records; i++) step(s, options.ackEvery);
  return s;
}

function step(s: Scene, ackEvery?: number): void {
  const seq = s.log.append(s.next);
  s.inputs.set(seq, s.next);
  s.next = s.gen.next();
  if (ackEvery && seq % ackEvery === 0) s.log.ack(seq - 1);
}

/** Appends until the next append, tried on a copy, does what `wanted` looks for (an erase, a merge). */
function advanceUntil(s: Scene, wanted: (before: RecordLogStats, after: RecordLogStats) => boolean, ackEvery?: number): Scene {
  for (let i = 0; i < 1000; i++) {
    const probe = boot(s.flash.clone());
    const before = probe.stats();
    probe.append(s.next);
    if (wanted(before, probe.stats())) return s;
    step(s, ackEvery);
  }
  throw new Error('the wanted append never came');
}

/** Checks a rebooted log against the scene: all durable unacked records intact, then appending works. */
function checkRecovered(s: Scene, flash: MemoryFlash, what: string): RecordLog {
  const lastSeq = s.log.nextSeq - 1;
  const log = boot(flash);
  checkEqual(log.nextSeq, lastSeq + 1, `${what}: nextSeq`);
  checkEqual(log.ackedSeq, s.log.ackedSeq, `${what}: ackedSeq`);
  checkCoverage(log.readFrom(log.ackedSeq, 100000), log.ackedSeq + 1, lastSeq, s.inputs);
  checkEqual(log.append(s.next), lastSeq + 1, `${what}: seq of the retried append`);
  const records = boot(flash).readFrom(log.ackedSeq, 100000);
  sameReadings(records[records.length - 1], s.next, `${what}: retried record after another reboot`);
  return log;
}

/** For every cut point (each `stride`-th byte) of the scene's next append: cut, reboot, check. */
function cutEveryByte(s: Scene, stride: number): { cuts: number; torn: number } {
  const probe = s.flash.clone();
  const before = probe.bytesWritten;
  boot(probe).append(s.next);
  const total = probe.bytesWritten - before;
  let cuts = 0;
  let torn = 0;
  for (let at = 0; at < total; at += stride) {
    const flash = s.flash.clone();
    const log = boot(flash);
    flash.cut.armPowerCut({ afterBytes: at });
    check(cutDuring(() => log.append(s.next)), `cut at byte ${at} of ${total}`);
    cuts++;
    flash.cut.powerOn();
    torn += new RecordLog({ flash, circuits: 10 }).open().tornRecordsSkipped;
    checkRecovered(s, flash, `cut at byte ${at} of ${total}`);
  }
  return { cuts, torn };
}

/** Cuts each erase of the scene's next append after a few bytes. */
function cutEveryErase(s: Scene): number {
  let cuts = 0;
  for (let k = 0; ; k++) {
    let cutThisOne = false;
    for (const erasedBytes of [0, 1, 4, 31, 32, 100, 2048, 4095]) {
      const flash = s.flash.clone();
      const log = boot(flash);
      flash.cut.armEraseCut({ afterErases: k, erasedBytes });
      cutThisOne = cutDuring(() => log.append(s.next));
      if (!cutThisOne) break;
      cuts++;
      checkRecovered(s, flash, `erase ${k} cut after ${erasedBytes} bytes`);
    }
    if (!cutThisOne) return cuts;
  }
}

const erased = (before: RecordLogStats, after: RecordLogStats) => after.sectorsErased > before.sectorsErased;
const merged = (before: RecordLogStats, after: RecordLogStats) => after.merges > before.merges;

const tests: XsTest[] = [
  {
    name: 'a cut at every byte of a record write loses only that record',
    run() {
      const base = scene(8, 5);
      const { cuts, torn } = cutEveryByte(base, 1);
      check(cuts > 100, `${cuts} cut points`);
      checkEqual(torn, cuts - 1, 'every cut but the one before the first byte left a torn entry');
    },
  },
  {
    name: 'a cut at every byte of a sector change (erase, header, first record) loses only that record',
    run() {
      // Acks let the ring wrap, so the next sector is a used one that needs an erase first.
      const s = advanceUntil(scene(6, 400, { ackEvery: 10 }), erased, 10);
      const { cuts } = cutEveryByte(s, 1);
      check(cuts > 150, `${cuts} cut points`);
    },
  },
  {
    name: 'a cut inside a sector erase, at any point, loses nothing durable',
    run() {
      const s = advanceUntil(scene(6, 400, { ackEvery: 10 }), erased, 10);
      checkEqual(cutEveryErase(s), 8, 'erase cuts');
    },
  },
  {
    name: 'a cut at any point of a merge leaves either the inputs or the merged output, never both or neither',
    run() {
      const s = advanceUntil(scene(8, 150), merged);
      // Every 17th byte (coprime with the word size, so every byte position in a word gets cut).
      const { cuts } = cutEveryByte(s, 17);
      check(cuts > 120, `${cuts} cut points`);
    },
  },
  {
    name: 'a cut inside any erase of a merge loses nothing durable',
    run() {
      // Later in life the merge output sector is a reused one: its erase is part of the merge.
      const s = scene(8, 150);
      for (let merges = 0; merges < 6; merges++) step(advanceUntil(s, merged));
      advanceUntil(s, merged);
      check(cutEveryErase(s) >= 8, 'erase cuts');
    },
  },
  {
    name: '20 random power cuts in a row, with appends and acks going on, lose nothing durable',
    run() {
      const flash = new MemoryFlash({ byteLength: 12 * SECTOR });
      const gen = new TelemetryGenerator({ circuits: 10, seed: 21 });
      const random = seededRandom(2024);
      const inputs = new Map<number, TelemetryInput>();
      let log = boot(flash);
      let lastDurable = 0;
      for (let round = 0; round < 20; round++) {
        flash.cut.armRandomPowerCut(random, 80_000);
        const cut = cutDuring(() => {
          for (;;) {
            const input = gen.next();
            const seq = log.append(input);
            inputs.set(seq, input);
            lastDurable = seq;
            if (random() < 0.05 && seq > 50) log.ack(seq - 50);
          }
        });
        check(cut, 'the cut came');
        log = boot(flash);
        checkEqual(log.nextSeq, lastDurable + 1, `round ${round}: nextSeq`);
        const records = log.readFrom(log.ackedSeq, 100000);
        checkCoverage(records, log.ackedSeq + 1, lastDurable, inputs);
        if (records.length > 0) sameReadings(records[records.length - 1], inputs.get(lastDurable)!, `round ${round}: newest`);
      }
      check(log.stats().recordsDropped === 0, 'nothing dropped');
    },
  },
];

export default tests;
