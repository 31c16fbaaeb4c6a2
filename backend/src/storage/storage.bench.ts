/**
 * Ingest-path write throughput: telemetry-sized writes (10 circuit points each) from many devices at
 * once, through BatchingWriter into a real influxd started on a free port (or --url). Prints figures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startInflux } from '../../../infra/dev/servers';
import { numberOption, runCli } from '../../../shared/node/cli';
import { BatchingWriter } from './batching-writer';
import { Influx1Store } from './influx1.store';
import { rowsOf } from './influxql';
import { CircuitPoint } from './storage.types';

const SPEC = {
  name: 'storage.bench',
  usage: `usage: node -r @swc-node/register backend/src/storage/storage.bench.ts [--records 20000] [--devices 50] [--url http://host:8086]
  --url  an InfluxDB 1.x to write to (a database bench_<time> is created there); default: a fresh influxd on a free port`,
  options: { records: { type: 'string' }, devices: { type: 'string' }, url: { type: 'string' } },
} as const;

void runCli(SPEC, async ({ values }) => {
  const records = numberOption('records', values.records, { min: 1, max: 10_000_000, integer: true }) ?? 20_000;
  const devices = numberOption('devices', values.devices, { min: 1, max: 100_000, integer: true }) ?? 50;
  const dir = mkdtempSync(join(tmpdir(), 'dinmeter-bench-'));
  const influx = values.url === undefined ? await startInflux({ dataDir: dir }) : undefined;
  const store = new Influx1Store({ url: values.url ?? influx!.url, db: `bench_${Date.now()}` });
  await store.ensureDatabase();
  const writer = new BatchingWriter(store, { maxPendingPoints: 1_000_000 });
  const t0 = Date.UTC(2024, 0, 1);
  const record = (n: number): CircuitPoint[] =>
    Array.from({ length: 10 }, (_, c) => ({
      device: `bench-${n % devices}`,
      circuit: c + 1,
      ts: t0 + Math.floor(n / devices) * 10_000,
      fields: { voltage_v: 230.2, current_a: 1.25, power_w: 287.5 + c, reactive_var: 12.1, apparent_va: 288.1, pf: 0.99, freq_hz: 50.01, energy_import_wh: 1234.5 + n, energy_export_wh: 0, seq: n + 1 },
    }));
  const started = performance.now();
  // Bounded concurrency like ingest under load: at most 2000 telemetry messages waiting for their ack.
  let next = 0;
  await Promise.all(
    Array.from({ length: 2000 }, async () => {
      while (next < records) await writer.write(record(next++));
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const [counted] = await store.query('SELECT count("power_w") FROM "circuit"');
  const points = records * 10;
  process.stdout.write(
    `${records} records × 10 circuits = ${points} points (${rowsOf(counted)[0]?.count} stored) in ${seconds.toFixed(2)} s: ` +
      `${Math.round(points / seconds)} points/s, ${Math.round((points * 10) / seconds)} field values/s, ${Math.round(records / seconds)} records/s\n`,
  );
  await writer.close();
  await influx?.stop();
  rmSync(dir, { recursive: true, force: true });
});
