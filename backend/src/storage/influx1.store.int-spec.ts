/**
 * Influx1Store + BatchingWriter against a real influxd 1.6 started by infra/dev/servers.ts on free ports.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfluxServer, startInflux } from '../../../infra/dev/servers';
import { BatchingWriter } from './batching-writer';
import { Influx1Store } from './influx1.store';
import { rowsOf } from './influxql';
import { CircuitPoint, InfluxWriteError } from './storage.types';
import { AutoTelemetryStore, createTelemetryStore } from './telemetry-store.factory';

const T0 = Date.UTC(2024, 0, 15, 12, 0, 0); // aligned to 15 min, inside autogen's infinite retention

function record(device: string, seq: number, ts: number, power: number): CircuitPoint[] {
  return Array.from({ length: 10 }, (_, i) => ({
    device,
    circuit: i + 1,
    ts,
    fields: { voltage_v: 230.1, current_a: power / 230, power_w: power + i, pf: 0.98, energy_import_wh: seq * 10, seq },
  }));
}

describe(`${Influx1Store.name} on influxd 1.6`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'dinmeter-store-'));
  let influx: InfluxServer;
  let store: Influx1Store;
  let seq = 0;
  let db = '';

  const count = async (where = '') => {
    const [result] = await store.query(`SELECT count("power_w") FROM "circuit" ${where}`);
    return (rowsOf(result)[0]?.count as number | undefined) ?? 0;
  };

  beforeAll(async () => {
    influx = await startInflux({ dataDir: join(dir, 'influx') });
  });
  beforeEach(async () => {
    db = `store_${++seq}`;
    store = new Influx1Store({ url: influx.url, db, writeTimeoutMs: 1000 });
    await store.ensureDatabase();
  });
  afterAll(async () => {
    await influx?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should report its version on ping', async () => {
    expect(await store.ping()).toEqual({ ok: true, version: expect.stringMatching(/^1\.6\./) });
  });

  it('should store every point of many concurrent writes, read back with exact counts', async () => {
    const writer = new BatchingWriter(store, { batchSize: 500, flushIntervalMs: 5 });
    const writes: Promise<void>[] = [];
    for (const device of ['vm-1', 'vm-2', 'vm-3']) {
      for (let n = 1; n <= 40; n++) writes.push(writer.write(record(device, n, T0 + n * 10_000, 100)));
    }
    await Promise.all(writes);
    expect(await count()).toBe(3 * 40 * 10);
    expect(await count(`WHERE "device" = 'vm-2' AND "circuit" = '7'`)).toBe(40);
    const [types] = await store.query('SHOW FIELD KEYS FROM "circuit"');
    const fieldTypes = Object.fromEntries(rowsOf(types).map((r) => [r.fieldKey, r.fieldType]));
    expect(fieldTypes).toMatchObject({ power_w: 'float', energy_import_wh: 'float', seq: 'integer' });
  });

  it('should overwrite, not duplicate, a rewritten point (same series and timestamp)', async () => {
    await store.writeCircuitPoints(record('vm-1', 1, T0, 100));
    await store.writeCircuitPoints(record('vm-1', 1, T0, 555));
    expect(await count()).toBe(10);
    const [result] = await store.query(`SELECT "power_w" FROM "circuit" WHERE "circuit" = '1'`);
    expect(rowsOf(result)).toEqual([{ time: T0, power_w: 555 }]);
  });

  it('should aggregate a series per interval with every, fill empty intervals with null', async () => {
    // 10-s records over 3 minutes; minute m has powers 100·m + 0..50; minute 2 is missing.
    for (const minute of [0, 1, 3]) {
      for (let k = 0; k < 6; k++) await store.writeCircuitPoints(record('vm-1', minute * 6 + k + 1, T0 + minute * 60_000 + k * 10_000, 100 * minute + k * 10));
    }
    const q = { device: 'vm-1', circuit: 1, field: 'power_w', from: T0, to: T0 + 4 * 60_000, every: '1m' };
    expect(await store.querySeries(q)).toEqual([
      { ts: T0, value: 25 },
      { ts: T0 + 60_000, value: 125 },
      { ts: T0 + 120_000, value: null },
      { ts: T0 + 180_000, value: 325 },
    ]);
    expect((await store.querySeries({ ...q, fn: 'max' })).map((p) => p.value)).toEqual([50, 150, null, 350]);
    expect((await store.querySeries({ ...q, field: 'energy_import_wh', fn: 'last' })).map((p) => p.value)).toEqual([60, 120, null, 240]);
    // all circuits of the device: circuit i adds i watts, so the sum over 10 circuits is 10·p + 45
    const total = await store.querySeries({ ...q, circuit: undefined, fn: 'sum', every: '10s', to: T0 + 10_000 });
    expect(total).toEqual([{ ts: T0, value: 45 }]);
    const raw = await store.querySeries({ ...q, every: undefined, to: T0 + 60_000 });
    expect(raw.map((p) => p.value)).toEqual([0, 10, 20, 30, 40, 50]);
  });

  it('should treat hostile strings as data, not InfluxQL', async () => {
    const device = `it's "odd", \\ really`;
    await store.writeCircuitPoints([{ device, circuit: 1, ts: T0, fields: { power_w: 7 } }]);
    expect(await store.querySeries({ device, circuit: 1, field: 'power_w', from: T0, to: T0 + 1 })).toEqual([{ ts: T0, value: 7 }]);
    const injected = await store.querySeries({ device: `x' OR "device" =~ /.*/ --`, field: 'power_w', from: T0, to: T0 + 1 });
    expect(injected).toEqual([]);
    await expect(store.querySeries({ device: `x'; DROP DATABASE "${db}"; --`, field: 'power_w', from: T0, to: T0 + 1 })).resolves.toEqual([]);
    expect(await count()).toBe(1);
  });

  it('should surface a 1.x field type conflict as permanent and keep the rest of the batch flowing', async () => {
    // seq was first written as a float in this shard: the integer seq of the next record conflicts.
    await store.writePoints('circuit', [{ tags: { device: 'legacy', circuit: '1' }, fields: { seq: 1.5 }, ts: T0 }]);
    const writer = new BatchingWriter(store, { batchSize: 1000, flushIntervalMs: 5 });
    const good = (device: string) => [{ device, circuit: 1, ts: T0 + 1000, fields: { power_w: 1 } }];
    const results = await Promise.allSettled([writer.write(good('a')), writer.write(record('bad', 2, T0 + 1000, 1)), writer.write(good('b'))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const error = (results[1] as PromiseRejectedResult).reason as InfluxWriteError;
    expect(error).toMatchObject({ kind: 'rejected', status: 400, permanent: true });
    expect(error.message).toMatch(/field type conflict/);
    await writer.write(good('c'));
    expect(await count(`WHERE "device" =~ /^[abc]$/`)).toBe(3);
  });

  it('should create the database again when it disappeared', async () => {
    await store.query(`DROP DATABASE "${db}"`);
    await store.writeCircuitPoints(record('vm-1', 1, T0, 1));
    expect(await count()).toBe(10);
  });

  it('should detect 1.x through the factory', async () => {
    const auto = createTelemetryStore({ url: influx.url, db });
    expect(auto).toBeInstanceOf(AutoTelemetryStore);
    await auto.writeCircuitPoints(record('vm-9', 1, T0, 1));
    expect(await (auto as AutoTelemetryStore).resolve()).toBeInstanceOf(Influx1Store);
    expect(await count()).toBe(10);
  });

  describe('when InfluxDB is down', () => {
    it('should reject the write (so nothing is acked) and accept it once InfluxDB is back', async () => {
      const writer = new BatchingWriter(store, { maxRetries: 1, retryBaseMs: 10, flushIntervalMs: 5 });
      await influx.stop();
      await expect(writer.write(record('vm-1', 1, T0, 1))).rejects.toMatchObject({ kind: 'transient' });
      await influx.restart();
      await writer.write(record('vm-1', 1, T0, 1));
      expect(await count()).toBe(10);
    });

    it('should ride out a short outage with retries', async () => {
      const retries: string[] = [];
      const counters = { inc: (name: string) => retries.push(name) };
      const writer = new BatchingWriter(store, { maxRetries: 10, retryBaseMs: 100, retryMaxMs: 1000, flushIntervalMs: 5 }, { counters });
      await influx.stop();
      const pending = writer.write(record('vm-1', 1, T0, 1));
      await new Promise((done) => setTimeout(done, 50)); // let the first attempt fail
      await influx.restart();
      await pending;
      expect(retries).toContain('storage_write_retries');
      expect(await count()).toBe(10);
    });

    it('should time out against a hung InfluxDB and succeed after it resumes', async () => {
      const writer = new BatchingWriter(store, { maxRetries: 0, flushIntervalMs: 5 });
      influx.pause();
      try {
        await expect(writer.write(record('vm-1', 1, T0, 1))).rejects.toThrow(/timed out/);
      } finally {
        influx.resume();
      }
      await writer.write(record('vm-1', 1, T0, 1));
      expect(await count()).toBe(10);
    });
  });
});
