import { backoffMs, BatchingWriter } from './batching-writer';
import { BackpressureError, CircuitPoint, InfluxWriteError } from './storage.types';

/** An in-memory store: `fail` decides per request whether (and how) it fails. */
class FakeStore {
  readonly requests: CircuitPoint[][] = [];
  readonly stored: CircuitPoint[] = [];
  fail: (points: CircuitPoint[], attempt: number) => Error | undefined = () => undefined;
  gate?: Promise<void>;

  async writeCircuitPoints(points: CircuitPoint[]): Promise<void> {
    this.requests.push(points);
    if (this.gate) await this.gate;
    const error = this.fail(points, this.requests.length);
    if (error) throw error;
    this.stored.push(...points);
  }
}

const points = (device: string, n: number): CircuitPoint[] =>
  Array.from({ length: n }, (_, i) => ({ device, circuit: (i % 10) + 1, ts: 1700000000000 + i, fields: { power_w: i } }));

const fast = { flushIntervalMs: 1, retryBaseMs: 1, retryMaxMs: 2 };

function counters() {
  const values: Record<string, number> = {};
  return { values, inc: (name: string, by = 1) => (values[name] = (values[name] ?? 0) + by) };
}

describe(BatchingWriter.name, () => {
  let store: FakeStore;
  beforeEach(() => (store = new FakeStore()));

  describe('write', () => {
    it('should gather concurrent writes into one request and resolve each after it is stored', async () => {
      const writer = new BatchingWriter(store, { ...fast, batchSize: 100 });
      await Promise.all([writer.write(points('a', 10)), writer.write(points('b', 10)), writer.write(points('c', 10))]);
      expect(store.requests.map((r) => r.length)).toEqual([30]);
      expect(store.stored).toHaveLength(30);
      expect(writer.pendingPoints).toBe(0);
    });

    it('should send a full batch without waiting for the timer, never splitting one write', async () => {
      const writer = new BatchingWriter(store, { flushIntervalMs: 60_000, batchSize: 20, concurrency: 1 });
      await Promise.all([writer.write(points('a', 10)), writer.write(points('b', 10)), writer.write(points('c', 25))]);
      expect(store.requests.map((r) => r.length)).toEqual([20, 25]);
      await writer.close();
    });

    it('should reject fast with BackpressureError when the pending points would exceed the bound', async () => {
      let open!: () => void;
      store.gate = new Promise((done) => (open = done));
      const c = counters();
      const writer = new BatchingWriter(store, { ...fast, maxPendingPoints: 25 }, { counters: c });
      const first = writer.write(points('a', 20));
      await expect(writer.write(points('b', 10))).rejects.toBeInstanceOf(BackpressureError);
      expect(writer.pendingPoints).toBe(20);
      expect(c.values.storage_backpressure_rejections).toBe(1);
      open();
      await first;
      await expect(writer.write(points('b', 10))).resolves.toBeUndefined();
    });

    it('should retry transient failures with backoff and then succeed', async () => {
      store.fail = (_p, attempt) => (attempt <= 2 ? new InfluxWriteError('503', 'transient', 503) : undefined);
      const c = counters();
      const writer = new BatchingWriter(store, { ...fast, maxRetries: 3 }, { counters: c });
      await writer.write(points('a', 5));
      expect(store.requests).toHaveLength(3);
      expect(c.values.storage_write_retries).toBe(2);
      expect(store.stored).toHaveLength(5);
    });

    it('should reject every caller once the retries are used up', async () => {
      store.fail = () => new TypeError('fetch failed');
      const writer = new BatchingWriter(store, { ...fast, maxRetries: 2 });
      const results = await Promise.allSettled([writer.write(points('a', 1)), writer.write(points('b', 1))]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
      expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ kind: 'transient' });
      expect(store.requests).toHaveLength(3);
    });

    it('should not retry a config error (401/404)', async () => {
      store.fail = () => new InfluxWriteError('401', 'config', 401);
      const writer = new BatchingWriter(store, { ...fast, maxRetries: 5 });
      await expect(writer.write(points('a', 1))).rejects.toMatchObject({ kind: 'config', status: 401 });
      expect(store.requests).toHaveLength(1);
    });

    it('should isolate a refused point so the other callers of its batch are stored', async () => {
      store.fail = (p) => (p.some((x) => x.device === 'bad') ? new InfluxWriteError('400 field type conflict', 'rejected', 400) : undefined);
      const c = counters();
      const writer = new BatchingWriter(store, { ...fast, batchSize: 100 }, { counters: c });
      const results = await Promise.allSettled([writer.write(points('a', 3)), writer.write(points('bad', 1)), writer.write(points('c', 3))]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ permanent: true, status: 400 });
      expect(store.requests.map((r) => r.length)).toEqual([7, 3, 1, 3]);
      expect(c.values.storage_points_rejected).toBe(1);
      // and the pipeline keeps going
      await expect(writer.write(points('d', 2))).resolves.toBeUndefined();
    });

    it('should treat a point the line protocol refuses as that caller’s bad point', async () => {
      store.fail = (p) => (p.some((x) => Number.isNaN(x.fields.power_w)) ? new RangeError('field power_w is NaN') : undefined);
      const writer = new BatchingWriter(store, fast);
      const bad = [{ device: 'x', circuit: 1, ts: 1, fields: { power_w: NaN } }];
      const results = await Promise.allSettled([writer.write(points('a', 1)), writer.write(bad)]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    });
  });

  describe('close', () => {
    it('should send what is queued, then refuse new writes', async () => {
      const writer = new BatchingWriter(store, { flushIntervalMs: 60_000 });
      const pending = writer.write(points('a', 4));
      await writer.close();
      await expect(pending).resolves.toBeUndefined();
      expect(store.stored).toHaveLength(4);
      await expect(writer.write(points('a', 1))).rejects.toThrow(/closed/);
    });
  });

  it('should refuse a non-positive bound', () => {
    expect(() => new BatchingWriter(store, { maxPendingPoints: 0 })).toThrow(/maxPendingPoints must be a positive integer, got 0/);
  });
});

describe('backoffMs', () => {
  it.each([
    [1, 0, 50],
    [1, 1, 100],
    [3, 0.5, 300],
    [10, 1, 1000],
  ])('attempt %d with random %d should wait %d ms (base 100, max 1000)', (attempt, random, expected) => {
    expect(backoffMs(attempt, 100, 1000, () => random)).toBe(expected);
  });
});
