import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig } from '../config/app-config';
import { RetentionService, addRange } from './retention.service';
import { InfluxStatementResult } from './storage.types';

const QUARTER = 900_000;
const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);
const rows = (columns: string[], values: unknown[][]): InfluxStatementResult[] => [{ statement_id: 0, series: [{ name: 'x', columns, values }] }];

/** A scripted InfluxDB 1.x: `autogen` only (fresh), raw points from `firstRawTs`; records every statement. */
function fakeInflux(firstRawTs?: number) {
  const ran: string[] = [];
  let fail = false;
  const store = {
    major: async () => '1' as const,
    query: async (q: string): Promise<InfluxStatementResult[]> => {
      if (fail && q.startsWith('SELECT mean')) throw new Error('influx down');
      ran.push(q);
      if (q === 'SHOW DATABASES') return rows(['name'], [['dinmeter']]);
      if (q.startsWith('SHOW RETENTION')) return rows(['name', 'duration', 'default'], [['autogen', '0s', true]]);
      if (q.startsWith('SELECT first')) return firstRawTs === undefined ? [{ statement_id: 0, series: [] }] : rows(['time', 'first'], [[firstRawTs, 1]]);
      return [{ statement_id: 0, series: [] }];
    },
  };
  return { store, ran, setFail: (v: boolean) => (fail = v) };
}

describe(RetentionService.name, () => {
  let dir: string;
  const config = (extra: Partial<AppConfig> = {}) => Object.assign(new AppConfig(), { DATA_DIR: dir, ...extra });
  const pendingFile = () => (existsSync(join(dir, 'downsampling.json')) ? JSON.parse(readFileSync(join(dir, 'downsampling.json'), 'utf8')).ranges : []);
  const selects = (ran: string[]) => ran.filter((q) => q.startsWith('SELECT mean')).map((q) => /WHERE (.*) GROUP/.exec(q)![1]);

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'dinmeter-retention-svc-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('addRange', () => {
    it('should merge touching and overlapping ranges and keep them sorted', () => {
      expect(addRange([[0, 10], [30, 40]], [10, 20])).toEqual([[0, 20], [30, 40]]);
      expect(addRange([[0, 10], [30, 40]], [5, 35])).toEqual([[0, 40]]);
      expect(addRange([[30, 40]], [0, 10])).toEqual([[0, 10], [30, 40]]);
    });
  });

  describe('noteStored', () => {
    it('should keep the quarter hour of a late record on disk at once, and ignore a fresh one', () => {
      const { store } = fakeInflux();
      const service = new RetentionService(store, config(), () => NOW);
      service.noteStored(NOW - 60_000);
      expect(pendingFile()).toEqual([]);
      const late = NOW - 3 * 3600e3 + 7 * 60_000;
      service.noteStored(late);
      const slot = Math.floor(late / QUARTER) * QUARTER;
      expect(pendingFile()).toEqual([[slot, slot + QUARTER]]);
      // A restarted backend picks the note up again.
      expect(JSON.stringify(new RetentionService(store, config(), () => NOW)['pending'])).toBe(JSON.stringify([[slot, slot + QUARTER]]));
    });
  });

  describe('tick', () => {
    it('should recompute both tiers for late slots, then forget them', async () => {
      const { store, ran } = fakeInflux();
      const service = new RetentionService(store, config({ INFLUX_RAW_RETENTION: 'keep' }), () => NOW);
      const slot = NOW - 2 * 86400e3;
      service.noteStored(slot + 1000);
      await service.tick();
      expect(ran.filter((q) => q.startsWith('SELECT mean')).map((q) => /INTO "dinmeter"."(\w+)"/.exec(q)![1])).toEqual(['rp_1m', 'rp_15m']);
      expect(selects(ran)).toEqual([`time >= ${slot}ms AND time < ${slot + QUARTER}ms`, `time >= ${slot}ms AND time < ${slot + QUARTER}ms`]);
      expect(pendingFile()).toEqual([]);
      expect(service.settled).toBe(true);
    });

    it('should recompute a slot again when a record of it is stored during its recomputation, and keep it when InfluxDB fails', async () => {
      const { store, ran, setFail } = fakeInflux();
      const service = new RetentionService(store, config({ INFLUX_RAW_RETENTION: 'keep' }), () => NOW);
      await service.tick();
      const slot = NOW - 86400e3;
      service.noteStored(slot);
      const query = store.query;
      let noted = false;
      store.query = async (q) => {
        if (!noted && q.startsWith('SELECT mean')) {
          noted = true;
          service.noteStored(slot + 5000); // a record of the same slot stored meanwhile
        }
        return query(q);
      };
      await service.tick();
      // Recomputed twice: the second time with the record that came in during the first.
      expect(selects(ran)).toHaveLength(4);
      expect(pendingFile()).toEqual([]);
      setFail(true);
      service.noteStored(slot);
      await service.tick();
      expect(pendingFile()).toEqual([[slot, slot + QUARTER]]);
      setFail(false);
      await service.tick();
      expect(pendingFile()).toEqual([]);
      expect(selects(ran)).toHaveLength(6);
    });

    it('should compute new tiers from all raw points before it shortens the raw policy', async () => {
      const first = NOW - 90 * 86400e3 + 123;
      const { store, ran, setFail } = fakeInflux(first);
      const service = new RetentionService(store, config(), () => NOW);
      setFail(true);
      await service.tick();
      expect(ran.some((q) => q.startsWith('ALTER RETENTION POLICY "autogen"'))).toBe(false);
      expect(pendingFile()).toEqual([[first - 123, NOW]]);
      setFail(false);
      await service.tick();
      // 90 days in 6-hour chunks, two tiers each; then the raw policy.
      expect(selects(ran)).toHaveLength(90 * 4 * 2);
      const alter = ran.indexOf('ALTER RETENTION POLICY "autogen" ON "dinmeter" DURATION 30d');
      expect(alter).toBeGreaterThan(ran.map((q) => q.startsWith('SELECT mean')).lastIndexOf(true));
      expect(service.sourceFor(NOW - 86400e3)).toEqual({ from: '"circuit"', shiftMs: 0 });
      expect(service.sourceFor(NOW - 60 * 86400e3)).toEqual({ from: '"rp_1m"."circuit"', shiftMs: 60_000 });
      expect(service.sourceFor(NOW - 500 * 86400e3)).toEqual({ from: '"rp_15m"."circuit"', shiftMs: QUARTER });
      expect(service.historyRp).toBe('rp_history');
    });

    it('should fold raw points older than rp_1m keeps straight into rp_15m', async () => {
      const first = NOW - 500 * 86400e3;
      const { store, ran } = fakeInflux(first);
      const service = new RetentionService(store, config({ INFLUX_RAW_RETENTION: 'keep' }), () => NOW);
      await service.tick();
      const into = ran.filter((q) => q.startsWith('SELECT mean')).map((q) => [/INTO "dinmeter"."(\w+)"/.exec(q)![1], /FROM "dinmeter"."(\w+)"/.exec(q)![1], Number(/time >= (\d+)ms/.exec(q)![1])]);
      const horizon = NOW - 399 * 86400e3;
      expect(into.filter(([, , t]) => (t as number) < horizon).every(([to, fromRp]) => to === 'rp_15m' && fromRp === 'autogen')).toBe(true);
      expect(into.filter(([, , t]) => (t as number) >= horizon).map(([to, fromRp]) => `${fromRp}→${to}`)).toEqual(
        expect.arrayContaining(['autogen→rp_1m', 'rp_1m→rp_15m']),
      );
      expect(into.some(([to, fromRp]) => to === 'rp_15m' && fromRp === 'autogen')).toBe(true);
      expect(into.find(([to, , t]) => to === 'rp_1m' && (t as number) < horizon)).toBeUndefined();
      expect(into.some(([to, , t]) => to === 'rp_1m' && t === horizon)).toBe(true);
    });

    it('should check the plan again after an hour, not on every tick', async () => {
      const { store, ran } = fakeInflux(); // answers like a database without our policies and CQs every time
      let now = NOW;
      const service = new RetentionService(store, config({ INFLUX_RAW_RETENTION: 'keep' }), () => now);
      const creates = () => ran.filter((q) => q.startsWith('CREATE CONTINUOUS QUERY')).length;
      await service.tick();
      await service.tick();
      expect(creates()).toBe(2);
      now += 61 * 60_000;
      await service.tick();
      expect(creates()).toBe(4);
    });

    it('should stop between two statements at shutdown and keep what is left noted', async () => {
      const { store, ran } = fakeInflux(NOW - 30 * 86400e3);
      const service = new RetentionService(store, config(), () => NOW);
      const query = store.query;
      store.query = async (q) => {
        if (q.startsWith('SELECT mean') && selects(ran).length === 10) void service.onApplicationShutdown();
        return query(q);
      };
      await service.tick();
      expect(selects(ran).length).toBeLessThanOrEqual(12);
      expect(pendingFile()).toEqual([[NOW - 30 * 86400e3, NOW]]);
      expect(ran.some((q) => q.startsWith('ALTER RETENTION POLICY "autogen"'))).toBe(false);
    });

    it('should hold history writes until the history policy exists, so none land in the default policy', async () => {
      const { store } = fakeInflux();
      const major = store.major;
      store.major = async () => Promise.reject(new Error('connect ECONNREFUSED'));
      const service = new RetentionService(store, config(), () => NOW);
      await service.tick();
      const early = service.historyRpWhenReady(5_000);
      let settled: string | undefined | null = null;
      void early.then((rp) => (settled = rp));
      await new Promise((resolve) => setImmediate(resolve));
      expect(settled).toBeNull(); // still waiting: InfluxDB has not answered, the policy is not set up
      store.major = major;
      await service.tick();
      await expect(early).resolves.toBe('rp_history');
      await expect(service.historyRpWhenReady()).resolves.toBe('rp_history');
    });

    it('should refuse a history write with a clear error when InfluxDB does not answer in time', async () => {
      const { store } = fakeInflux();
      store.major = async () => Promise.reject(new Error('connect ECONNREFUSED'));
      const service = new RetentionService(store, config(), () => NOW);
      await service.tick();
      await expect(service.historyRpWhenReady(20)).rejects.toThrow(/InfluxDB is not ready yet/);
    });

    it('should do nothing on InfluxDB 2.x', async () => {
      const { store, ran } = fakeInflux();
      store.major = async () => '2' as never;
      const service = new RetentionService(store, config(), () => NOW);
      service.noteStored(NOW - 86400e3);
      await service.tick();
      service.noteStored(NOW - 86400e3);
      expect(ran).toEqual([]);
      expect(pendingFile()).toEqual([]);
      expect(service.historyRp).toBeUndefined();
      await expect(service.historyRpWhenReady(20)).resolves.toBeUndefined();
    });
  });
});
