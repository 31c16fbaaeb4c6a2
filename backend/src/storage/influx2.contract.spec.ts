import { rowsOf } from './influxql';
import { DEFAULT_TIERS } from './retention';
import { Influx2Contract } from './influx2-contract.testing';
import { influx2Buckets, influx2Dbrp } from './influx2-setup';
import { Influx2Store } from './influx2.store';
import { createTelemetryStore } from './telemetry-store.factory';
import { CircuitPoint, InfluxQueryError, InfluxWriteError } from './storage.types';

const TOKEN = 'a-2x-token';
const T0 = 1_700_000_000_000;
const CONTRACT = { token: TOKEN, org: 'home', buckets: influx2Buckets().map((b) => b.name), dbrp: influx2Dbrp('dinmeter') };
const STORE = { token: TOKEN, org: 'home', bucket: 'dinmeter', db: 'dinmeter' };

const points = (count: number): CircuitPoint[] =>
  Array.from({ length: count }, (_, k) => ({ device: 'meter-01', circuit: (k % 10) + 1, ts: T0 + k * 10_000, fields: { power_w: 100 + k, energy_import_wh: 5000.5 + k, seq: k + 1 } }));

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('InfluxDB 2.x contract', () => {
  let influx: Influx2Contract;
  beforeEach(async () => {
    influx = await new Influx2Contract(CONTRACT).start();
  });
  afterEach(() => influx.stop());

  describe(Influx2Store.name, () => {
    it('should write line protocol to /api/v2/write with org, bucket, ms precision and the token', async () => {
      await new Influx2Store({ url: influx.url, ...STORE }).writeCircuitPoints(points(2));
      expect(influx.violations).toEqual([]);
      const [write] = influx.requests;
      expect(Object.fromEntries(write.query)).toEqual({ org: 'home', bucket: 'dinmeter', precision: 'ms' });
      expect(influx.points.get('dinmeter')).toEqual([
        { measurement: 'circuit', tags: { circuit: '1', device: 'meter-01' }, fields: { energy_import_wh: '5000.5', power_w: '100', seq: '1i' }, timestamp: String(T0) },
        { measurement: 'circuit', tags: { circuit: '2', device: 'meter-01' }, fields: { energy_import_wh: '5001.5', power_w: '101', seq: '2i' }, timestamp: String(T0 + 10_000) },
      ]);
    });

    it('should send a large batch gzip-compressed, and every line arrives', async () => {
      await new Influx2Store({ url: influx.url, ...STORE }).writeCircuitPoints(points(200));
      expect(influx.violations).toEqual([]);
      expect(influx.requests[0].headers['content-encoding']).toBe('gzip');
      expect(influx.points.get('dinmeter')).toHaveLength(200);
    });

    it('should write relay and price history to the main bucket (a 1.x retention policy does not apply)', async () => {
      await new Influx2Store({ url: influx.url, ...STORE }).writePoints('price', [{ tags: { area: 'DE-LU' }, fields: { price: 0.25, currency: 'EUR' }, ts: T0 }]);
      expect(influx.violations).toEqual([]);
      expect(influx.points.get('dinmeter')?.[0]).toMatchObject({ measurement: 'price', tags: { area: 'DE-LU' }, fields: { price: '0.25', currency: '"EUR"' } });
    });

    it.each<[string, object, number, string]>([
      ['a wrong token', { token: 'not-it' }, 401, 'config'],
      ['an unknown bucket', { bucket: 'nope' }, 404, 'config'],
      ['an unknown org', { org: 'elsewhere' }, 404, 'config'],
    ])('should fail a write with %s as HTTP %d, kind %s', async (_, change, status, kind) => {
      const error = await failureOf(new Influx2Store({ url: influx.url, ...STORE, ...change }).writeCircuitPoints(points(1)));
      expect(error).toBeInstanceOf(InfluxWriteError);
      expect(error).toMatchObject({ status, kind });
      expect(influx.points.size).toBe(0);
    });

    it('should read back through the v1 /query with the default DBRP mapping, times in ms', async () => {
      const store = new Influx2Store({ url: influx.url, ...STORE });
      await store.writeCircuitPoints(points(1));
      const [result] = await store.query('SELECT * FROM "circuit"');
      expect(influx.violations).toEqual([]);
      expect(rowsOf(result)).toEqual([{ time: T0, power_w: 100, energy_import_wh: 5000.5, seq: 1 }]);
      expect(Object.fromEntries(influx.requests[1].query)).toEqual({ epoch: 'ms', db: 'dinmeter' });
    });

    it('should find every downsampled tier through the DBRP mappings setup.sh creates', async () => {
      const store = new Influx2Store({ url: influx.url, ...STORE });
      for (const rp of [...DEFAULT_TIERS.map((t) => t.rp), 'rp_history', undefined]) {
        await store.querySeries({ device: 'meter-01', circuit: 1, field: 'power_w', from: T0, to: T0 + 3_600_000, every: '15m', rp });
      }
      expect(influx.violations).toEqual([]);
    });

    it('should fail a query on a policy without a DBRP mapping with the server\'s reason', async () => {
      const error = await failureOf(new Influx2Store({ url: influx.url, ...STORE }).querySeries({ device: 'm', field: 'power_w', from: 0, to: 1, rp: 'rp_5m' }));
      expect(error).toBeInstanceOf(InfluxQueryError);
      expect(error).toMatchObject({ status: 404, message: expect.stringMatching(/answered 404: no dbrp mapping found for database "dinmeter" and retention policy "rp_5m"/) });
    });
  });

  it('should detect 2.x from /ping and write through /api/v2/write (INFLUX_VERSION=auto)', async () => {
    const store = createTelemetryStore({ url: influx.url, db: 'dinmeter', token: TOKEN, org: 'home', bucket: 'dinmeter' });
    await store.writeCircuitPoints(points(1));
    expect(await store.major()).toBe('2');
    expect(influx.requests.map((r) => r.path)).toEqual(['/ping', '/api/v2/write']);
    expect(influx.violations).toEqual([]);
  });

  describe(Influx2Contract.name, () => {
    const LINE = `circuit,circuit=1,device=m power_w=1 ${T0}`;
    const write = (path: string, query: string, headers: Record<string, string>, body = LINE) =>
      fetch(`${influx.url}${path}?${query}`, { method: 'POST', headers: { authorization: `Token ${TOKEN}`, 'content-type': 'text/plain; charset=utf-8', ...headers }, body });

    it.each<[string, string, string, Record<string, string>, string | undefined, number]>([
      ['a Bearer instead of a Token header', '/api/v2/write', 'org=home&bucket=dinmeter&precision=ms', { authorization: `Bearer ${TOKEN}` }, undefined, 401],
      ['the 1.x write path', '/write', 'db=dinmeter&precision=ms', {}, undefined, 404],
      ['no bucket', '/api/v2/write', 'org=home&precision=ms', {}, undefined, 404],
      ['an unknown parameter', '/api/v2/write', 'org=home&bucket=dinmeter&precision=ms&db=dinmeter', {}, undefined, 400],
      ['ms timestamps at the default ns precision', '/api/v2/write', 'org=home&bucket=dinmeter', {}, undefined, 422],
      ['a JSON body', '/api/v2/write', 'org=home&bucket=dinmeter&precision=ms', { 'content-type': 'application/json' }, undefined, 400],
      ['a line without fields', '/api/v2/write', 'org=home&bucket=dinmeter&precision=ms', {}, `circuit,device=m ${T0}`, 400],
      ['a bad field value', '/api/v2/write', 'org=home&bucket=dinmeter&precision=ms', {}, `circuit,device=m power_w=1,x=abc ${T0}`, 400],
    ])('should refuse %s and record it', async (_, path, query, headers, body, status) => {
      const response = await write(path, query, headers, body);
      expect(response.status).toBe(status);
      expect(influx.violations).toHaveLength(1);
      expect(influx.points.size).toBe(0);
    });
  });
});
