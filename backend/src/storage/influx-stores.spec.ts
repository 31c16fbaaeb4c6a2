import { FakeInflux, FakeReply, RecordedRequest } from './fake-influx.testing';
import { Influx1Store } from './influx1.store';
import { Influx2Store } from './influx2.store';
import { InfluxWriteError } from './storage.types';
import { AutoTelemetryStore, createTelemetryStore, majorFromVersionHeader } from './telemetry-store.factory';

const point = { device: 'vm-1', circuit: 2, ts: 1700000000000, fields: { power_w: 12.5, seq: 9 } };
const LINE = 'circuit,circuit=2,device=vm-1 power_w=12.5,seq=9i 1700000000000';
const EMPTY_RESULT = JSON.stringify({ results: [{ statement_id: 0 }] });

async function failureOf(promise: Promise<unknown>): Promise<InfluxWriteError> {
  try {
    await promise;
  } catch (error) {
    return error as InfluxWriteError;
  }
  throw new Error('expected a rejection');
}

describe(Influx1Store.name, () => {
  let fake: FakeInflux;
  afterEach(() => fake.stop());

  it('should POST line protocol to /write with db and precision=ms', async () => {
    fake = await new FakeInflux(() => ({ status: 204 })).start();
    await new Influx1Store({ url: fake.url, db: 'dinmeter' }).writeCircuitPoints([point]);
    const [write] = fake.writes();
    expect(write.method).toBe('POST');
    expect(Object.fromEntries(write.query)).toEqual({ db: 'dinmeter', precision: 'ms' });
    expect(write.body).toBe(LINE);
    expect(write.headers.authorization).toBeUndefined();
  });

  it.each<[number, string, string]>([
    [400, '{"error":"partial write: field type conflict: dropped=1"}', 'rejected'],
    [401, '{"error":"authorization failed"}', 'config'],
    [429, '', 'transient'],
    [500, '{"error":"timeout"}', 'transient'],
    [503, '', 'transient'],
  ])('should classify HTTP %d (body %j) as %s', async (status, body, kind) => {
    fake = await new FakeInflux(() => ({ status, body })).start();
    const error = await failureOf(new Influx1Store({ url: fake.url, db: 'd' }).writeCircuitPoints([point]));
    expect(error).toBeInstanceOf(InfluxWriteError);
    expect(error).toMatchObject({ kind, status });
  });

  it('should classify a refused connection as transient', async () => {
    fake = await new FakeInflux(() => ({ status: 204 })).start();
    const url = fake.url;
    await fake.stop();
    const error = await failureOf(new Influx1Store({ url, db: 'd' }).writeCircuitPoints([point]));
    expect(error).toMatchObject({ kind: 'transient' });
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it('should create a missing database and write again', async () => {
    let created = false;
    fake = await new FakeInflux((r): FakeReply => {
      if (r.path === '/query') {
        created = new URLSearchParams(r.body).get('q') === 'CREATE DATABASE "dinmeter"';
        return { status: 200, body: EMPTY_RESULT };
      }
      return created ? { status: 204 } : { status: 404, body: '{"error":"database not found: \\"dinmeter\\""}' };
    }).start();
    await new Influx1Store({ url: fake.url, db: 'dinmeter' }).writeCircuitPoints([point]);
    expect(fake.requests.map((r) => r.path)).toEqual(['/write', '/query', '/write']);
  });

  it('should send user:password as Basic auth', async () => {
    fake = await new FakeInflux(() => ({ status: 204 })).start();
    await new Influx1Store({ url: fake.url, db: 'd', token: 'u:p' }).writeCircuitPoints([point]);
    expect(fake.writes()[0].headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it('should query series through POST /query with epoch=ms and map the rows', async () => {
    fake = await new FakeInflux(() => ({
      status: 200,
      body: JSON.stringify({ results: [{ statement_id: 0, series: [{ name: 'circuit', columns: ['time', 'value'], values: [[60000, 1.5], [120000, null]] }] }] }),
    })).start();
    const series = await new Influx1Store({ url: fake.url, db: 'dinmeter' }).querySeries({ device: 'vm-1', circuit: 1, field: 'power_w', from: 0, to: 180000, every: '1m' });
    expect(series).toEqual([{ ts: 60000, value: 1.5 }, { ts: 120000, value: null }]);
    const [request] = fake.requests;
    expect(Object.fromEntries(request.query)).toEqual({ epoch: 'ms', db: 'dinmeter' });
    expect(new URLSearchParams(request.body).get('q')).toMatch(/^SELECT mean\("power_w"\)/);
  });
});

describe(Influx2Store.name, () => {
  let fake: FakeInflux;
  afterEach(() => fake.stop());
  const options = (url: string) => ({ url, token: 'secret', org: 'home', bucket: 'dinmeter/autogen' });

  it('should write through /api/v2/write with the token, org, bucket and ms precision', async () => {
    fake = await new FakeInflux(() => ({ status: 204 })).start();
    await new Influx2Store(options(fake.url)).writeCircuitPoints([point]);
    const [write] = fake.writes();
    expect(write.path).toBe('/api/v2/write');
    expect(Object.fromEntries(write.query)).toEqual({ org: 'home', bucket: 'dinmeter/autogen', precision: 'ms' });
    expect(write.headers.authorization).toBe('Token secret');
    expect(write.body).toBe(LINE);
  });

  it.each<[number, string]>([
    [400, 'rejected'],
    [503, 'transient'],
    [401, 'config'],
  ])('should reject HTTP %d once, without client-side retries, as %s', async (status, kind) => {
    fake = await new FakeInflux(() => ({ status, body: JSON.stringify({ code: 'x', message: 'nope' }) })).start();
    const error = await failureOf(new Influx2Store(options(fake.url)).writeCircuitPoints([point]));
    expect(error).toMatchObject({ kind, status });
    expect(fake.writes()).toHaveLength(1);
  });

  it('should query InfluxQL on /query with the token', async () => {
    fake = await new FakeInflux(() => ({ status: 200, body: EMPTY_RESULT })).start();
    await new Influx2Store({ ...options(fake.url), db: 'dinmeter' }).query('SHOW MEASUREMENTS');
    const [request] = fake.requests;
    expect(request.path).toBe('/query');
    expect(request.query.get('db')).toBe('dinmeter');
    expect(request.headers.authorization).toBe('Token secret');
  });
});

describe('createTelemetryStore', () => {
  let fake: FakeInflux;
  afterEach(() => fake?.stop());

  it.each<[string | undefined, object, '1' | '2']>([
    ['1.6.7~rc0', {}, '1'],
    ['1.8.10', { token: 't', org: 'o', bucket: 'b' }, '1'],
    ['v2.7.11', {}, '2'],
    ['3.0.0', {}, '2'],
    [undefined, {}, '1'],
    [undefined, { token: 't', org: 'o', bucket: 'b' }, '2'],
  ])('should read version %s (%j) as major %s', (version, extra, major) => {
    expect(majorFromVersionHeader(version, { url: 'http://x', db: 'd', ...extra })).toBe(major);
  });

  it('should pick the store from the fixed version', () => {
    expect(createTelemetryStore({ url: 'http://x', db: 'd', version: '1' })).toBeInstanceOf(Influx1Store);
    expect(() => createTelemetryStore({ url: 'http://x', db: 'd', version: '2' })).toThrow(/INFLUX_TOKEN, INFLUX_ORG and INFLUX_BUCKET/);
  });

  it('should detect 1.x on first use and write through /write', async () => {
    fake = await new FakeInflux((r: RecordedRequest): FakeReply => ({ status: 204, headers: r.path === '/ping' ? { 'X-Influxdb-Version': '1.6.7~rc0' } : {} })).start();
    const store = createTelemetryStore({ url: fake.url, db: 'dinmeter' });
    expect(store).toBeInstanceOf(AutoTelemetryStore);
    await store.writeCircuitPoints([point]);
    await store.writeCircuitPoints([point]);
    expect(fake.requests.map((r) => r.path)).toEqual(['/ping', '/write', '/write']);
  });

  it('should fail a write as transient while InfluxDB is unreachable, and detect later', async () => {
    fake = await new FakeInflux(() => ({ status: 204 })).start();
    const url = fake.url;
    await fake.stop();
    const store = createTelemetryStore({ url, db: 'dinmeter' });
    expect(await failureOf(store.writeCircuitPoints([point]))).toMatchObject({ kind: 'transient' });
  });
});
