/**
 * `node -r @swc-node/register device/core/storage/capacity-report.ts`: fills a simulated 1 MiB
 * partition with 10 circuits at 10 s and never acks (an outage), and prints the bytes per record and
 * what resolution covers which age after 1 … 60 days. The figures in README.md come from here.
 */
import { MemoryFlash } from './memory-flash';
import { StoredRecord } from './record-codec';
import { RecordLog } from './record-log';
import { TelemetryGenerator } from './test-telemetry';

const CIRCUITS = 10;
const PARTITION_BYTES = 1 << 20;
const SNAPSHOT_DAYS = [1, 3, 7, 14, 30, 60];
const CLASSES = [
  { name: '10 s', maxS: 15 },
  { name: '1 min', maxS: 90 },
  { name: '15 min', maxS: 1200 },
  { name: '1 h', maxS: 5400 },
  { name: '1 day', maxS: Infinity },
];

function hours(seconds: number): string {
  return seconds >= 2 * 86400 ? `${(seconds / 86400).toFixed(1)} d` : `${(seconds / 3600).toFixed(1)} h`;
}

/** Newest first: how long a span each resolution class covers, in age order. */
function describe(records: StoredRecord[]): string {
  const spans = CLASSES.map(() => 0);
  for (const r of records) spans[CLASSES.findIndex((c) => r.interval_s <= c.maxS)] += r.interval_s;
  return CLASSES.map((c, i) => (spans[i] > 0 ? `${hours(spans[i])} at ${c.name}` : ''))
    .filter(Boolean)
    .join(', then ');
}

const flash = new MemoryFlash({ byteLength: PARTITION_BYTES });
const log = new RecordLog({ flash, circuits: CIRCUITS });
log.open();
const gen = new TelemetryGenerator({ circuits: CIRCUITS, seed: 1, reactiveEnergy: true });
let appended = 0;
let firstDropDay: number | undefined;
console.log(`partition ${PARTITION_BYTES} bytes, ${CIRCUITS} circuits, one record every 10 s, no acks`);
for (const days of SNAPSHOT_DAYS) {
  while (appended < days * 8640) {
    log.append(gen.next());
    appended++;
    if (firstDropDay === undefined && log.stats().recordsDropped > 0) firstDropDay = appended / 8640;
  }
  const stats = log.stats();
  const records = log.readFrom(0, Number.MAX_SAFE_INTEGER);
  const coveredS = records.reduce((sum, r) => sum + r.interval_s, 0);
  console.log(
    `after ${String(days).padStart(2)} d: ${records.length} records cover ${hours(coveredS)} (newest first): ${describe(records.slice().reverse())}` +
      (stats.recordsDropped > 0 ? `; ${stats.recordsDropped} records dropped` : ''),
  );
  if (days === 1) {
    console.log(`flash_bytes_per_record ${stats.bytesPerRecord.toFixed(1)}`);
    console.log(`flash_bytes_per_circuit_record ${(stats.bytesPerRecord / CIRCUITS).toFixed(2)}`);
  }
}
const wear = Math.max(...flash.eraseCounts);
console.log(`most-erased sector: ${wear} erases in ${SNAPSHOT_DAYS[SNAPSHOT_DAYS.length - 1]} days (${(wear / SNAPSHOT_DAYS[SNAPSHOT_DAYS.length - 1]).toFixed(1)} a day)`);
console.log(firstDropDay === undefined ? 'no record dropped' : `first record dropped after ${firstDropDay.toFixed(1)} days`);
