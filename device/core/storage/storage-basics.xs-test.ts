import { check, checkClose, checkEqual, checkThrows, XsTest } from '../../xs/harness';
import { ByteReader, ByteWriter } from './byte-io';
import { crc32 } from './crc32';
import { decodeInfoWord, encodeInfoWord, EntryType } from './flash-layout';
import { MemoryFlash } from './memory-flash';
import { CodecState, decodeRecord, encodeRecord, OPTIONAL_FIELD_COUNT, StoredRecord } from './record-codec';
import { MergeAccumulator } from './record-merge';
import { TelemetryGenerator } from './test-telemetry';
import { cutDuring } from './testing';

const ascii = (text: string) => Uint8Array.from(text, (ch) => ch.charCodeAt(0));

const tests: XsTest[] = [
  {
    name: 'crc32 has the IEEE check value',
    run() {
      checkEqual(crc32(ascii('123456789')), 0xcbf43926);
      checkEqual(crc32(new Uint8Array(0)), 0);
    },
  },
  {
    name: 'varints round-trip exactly (unsigned to 2^53, signed to ±2^52)',
    run() {
      const values = [0, 1, 127, 128, 300, 0xffffffff, 2 ** 40 + 7, 2 ** 52];
      const writer = new ByteWriter(new Uint8Array(200));
      for (const v of values) {
        writer.varint(v);
        writer.svarint(-v);
      }
      writer.varint(Number.MAX_SAFE_INTEGER);
      check(!writer.overflowed, 'no overflow');
      const reader = new ByteReader(writer.bytes, 0, writer.pos);
      for (const v of values) {
        checkEqual(reader.varint(), v, 'varint');
        checkEqual(reader.svarint(), -v, 'svarint');
      }
      checkEqual(reader.varint(), Number.MAX_SAFE_INTEGER, 'largest varint');
      const small = new ByteWriter(new Uint8Array(2));
      small.varint(1 << 20);
      check(small.overflowed, 'overflow flagged instead of thrown');
    },
  },
  {
    name: 'an entry info word torn at any byte is never mistaken for a real one',
    run() {
      for (const length of [0, 4, 150, 1000, 4000]) {
        const word = encodeInfoWord(EntryType.record, length);
        checkEqual(decodeInfoWord(word)?.payloadBytes, length, 'round trip');
        for (let kept = 0; kept < 4; kept++) {
          const torn = (word | (0xffffffff << (kept * 8))) >>> 0; // bytes beyond `kept` still erased
          const decoded = decodeInfoWord(torn);
          check(decoded === undefined || torn === word, `length ${length} torn after ${kept} bytes decodes as ${decoded?.payloadBytes}`);
        }
      }
      check(decodeInfoWord(0xffffffff) === undefined, 'erased flash is not an entry');
    },
  },
  {
    name: 'a record decodes to the same readings; energy is exact',
    run() {
      const gen = new TelemetryGenerator({ circuits: 10, seed: 5, reactiveEnergy: true });
      const writeState = new CodecState(10);
      const readState = new CodecState(10);
      const buf = new Uint8Array(4096);
      for (let seq = 1; seq <= 50; seq++) {
        const input = gen.next();
        const record: StoredRecord = { v: 1, seq, ...input };
        const writer = new ByteWriter(buf);
        encodeRecord(writer, record, writeState, 1_736_000_000_000);
        const decoded = decodeRecord(buf, 0, writer.pos, readState, 1_736_000_000_000);
        checkEqual(JSON.stringify(decoded), JSON.stringify(record), `seq ${seq}`);
      }
    },
  },
  {
    name: 'missing circuits and optional fields stay missing; merged_from_seq survives',
    run() {
      const record: StoredRecord = {
        v: 1,
        seq: 90,
        merged_from_seq: 80,
        ts: 1_736_000_060_000,
        interval_s: 60,
        circuits: [
          { circuit: 3, voltage_v: 231.5, current_a: 1.234, power_w: -250.5, reactive_var: 12.3, apparent_va: 260, pf: -0.963, freq_hz: 49.98, energy_import_wh: 12.345, energy_export_wh: 99999.999, reactive_import_varh: 1.5 },
        ],
      };
      const buf = new Uint8Array(256);
      const writer = new ByteWriter(buf);
      encodeRecord(writer, record, new CodecState(10), 1_736_000_000_000);
      const decoded = decodeRecord(buf, 0, writer.pos, new CodecState(10), 1_736_000_000_000);
      checkEqual(JSON.stringify(decoded), JSON.stringify(record));
    },
  },
  {
    name: 'a record with more optional fields than this firmware knows (a newer one wrote it) is refused as corrupt',
    run() {
      const buf = new Uint8Array(64);
      const writer = new ByteWriter(buf);
      writer.u32(7);
      writer.u8(2); // the optional-field count follows the circuit mask
      writer.svarint(0);
      writer.varint(10_000);
      writer.varint(1);
      writer.varint(OPTIONAL_FIELD_COUNT + 1);
      checkThrows(() => decodeRecord(buf, 0, writer.pos, new CodecState(2), 0), /record 7 has \d+ optional fields, this firmware knows/);
    },
  },
  {
    name: 'merging recomputes pf and the phase angle from the merged powers (no mean across ±180°)',
    run() {
      const reading = (q: number, angle: number) => ({
        circuit: 1, voltage_v: 230, current_a: 4.4, power_w: -1000, reactive_var: q, apparent_va: 1005, pf: -0.995, freq_hz: 50,
        energy_import_wh: 0, energy_export_wh: 10, angle_deg: angle,
      });
      const merge = new MergeAccumulator(1);
      merge.add({ v: 1, seq: 1, ts: 10_000, interval_s: 10, circuits: [reading(100, 174.3)] }, 0);
      merge.add({ v: 1, seq: 2, ts: 20_000, interval_s: 10, circuits: [reading(-100, -174.3)] }, 0);
      const merged = merge.result().circuits[0];
      checkClose(merged.angle_deg!, 180, 1e-9, 'angle of mean P −1000 W, mean Q 0');
      checkClose(merged.pf, -1000 / 1005, 1e-9, 'pf = mean P / mean S');
      checkEqual(merged.voltage_v, 230, 'other readings: means');
      checkEqual(merged.energy_export_wh, 10, 'counters: last value');
    },
  },
  {
    name: 'bad values are refused with the value in the message',
    run() {
      const bad = (patch: object) => () =>
        encodeRecord(new ByteWriter(new Uint8Array(512)), { v: 1, seq: 1, ts: 1, interval_s: 10, circuits: [{ circuit: 1, voltage_v: 230, current_a: 0, power_w: 0, reactive_var: 0, apparent_va: 0, pf: 1, freq_hz: 50, energy_import_wh: 0, energy_export_wh: 0, ...patch }] }, new CodecState(2), 0);
      checkThrows(bad({ power_w: Number.NaN }), /power_w must be a finite number, got NaN/);
      checkThrows(bad({ circuit: 3 }), /circuit 3 is not 1..2/);
      checkThrows(bad({ energy_import_wh: 1e16 }), /out of the storable range/);
    },
  },
  {
    name: 'MemoryFlash enforces NOR rules: aligned words, no 0 → 1, no second program before erase',
    run() {
      const flash = new MemoryFlash({ byteLength: 8192 });
      checkThrows(() => flash.write(2, new Uint8Array(4)), /whole aligned words/);
      checkThrows(() => flash.write(0, new Uint8Array(3)), /whole aligned words/);
      flash.write(0, Uint8Array.of(0xf0, 0xff, 0xff, 0xff));
      checkThrows(() => flash.write(0, Uint8Array.of(0xf0, 0xff, 0xff, 0xff)), /programmed twice/);
      flash.eraseSector(0);
      flash.write(0, Uint8Array.of(0x0f, 0, 0, 0));
      flash.eraseSector(0);
      checkEqual(flash.read(0, 4)[0], 0xff, 'erased');
      flash.write(4096, Uint8Array.of(0x0f, 0, 0, 0));
      checkThrows(() => flash.write(4092, Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xf0, 0, 0, 0)), /programmed twice|needs 0 → 1/);
    },
  },
  {
    name: 'MemoryFlash power cut keeps a prefix of the write and powers the partition off',
    run() {
      const flash = new MemoryFlash({ byteLength: 8192 });
      flash.cut.armPowerCut({ afterBytes: 6 });
      check(cutDuring(() => flash.write(0, new Uint8Array(12))), 'cut');
      checkThrows(() => flash.read(0, 4), /powered off/);
      flash.cut.powerOn();
      const bytes = flash.read(0, 12);
      checkEqual(bytes[5], 0, 'kept byte');
      checkEqual(bytes[6], 0xff, 'lost byte');
      flash.cut.armEraseCut({ erasedBytes: 4 });
      check(cutDuring(() => flash.eraseSector(0)), 'erase cut');
      flash.cut.powerOn();
      checkEqual(flash.read(0, 8).join(','), '255,255,255,255,0,0,255,255', 'half-erased sector');
    },
  },
];

export default tests;
