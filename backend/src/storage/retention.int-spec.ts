/** ensureRetention and the downsampling SELECTs against a real influxd 1.6 (infra/dev/servers.ts). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfluxServer, startInflux } from '../../../infra/dev/servers';
import { Influx1Store } from './influx1.store';
import { rowsOf } from './influxql';
import { AppConfig } from '../config/app-config';
import { DEFAULT_TIERS, downsampleSelect, ensureRetention, RetentionPlan } from './retention';
import { RetentionService } from './retention.service';

jest.setTimeout(60_000);

describe('ensureRetention on influxd 1.6', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dinmeter-retention-'));
  let influx: InfluxServer;
  let store: Influx1Store;
  const plan: RetentionPlan = { db: 'dinmeter', rawKeep: '30d', tiers: [...DEFAULT_TIERS] };
  const run = (q: string) => store.query(q);

  beforeAll(async () => {
    influx = await startInflux({ dataDir: join(dir, 'influx') });
    store = new Influx1Store({ url: influx.url, db: plan.db });
  });
  afterAll(async () => {
    await influx?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should create the policies and continuous queries, and change nothing when run again', async () => {
    expect((await ensureRetention(run, plan)).changed.length).toBeGreaterThan(4);
    expect((await ensureRetention(run, plan)).changed).toEqual([]);
    const policies = rowsOf((await run('SHOW RETENTION POLICIES ON "dinmeter"'))[0]);
    expect(policies.map((p) => [p.name, p.duration, p.default])).toEqual([
      ['autogen', '720h0m0s', true],
      ['rp_1m', '9600h0m0s', false],
      ['rp_15m', '0s', false],
    ]);
    const [cqs] = await run('SHOW CONTINUOUS QUERIES');
    const ours = cqs.series.find((s) => s.name === 'dinmeter');
    expect(rowsOf({ statement_id: 0, series: [ours!] }).map((r) => r.name)).toEqual(['cq_circuit_1m', 'cq_circuit_15m']);
  });

  it('should fold 10-s points into 1-min and 15-min points with the documented aggregates', async () => {
    await ensureRetention(run, plan);
    // 30 minutes of 10-s records in the last hour, aligned to 15 min; power ramps 0, 1, 2, … W.
    const t0 = Math.floor((Date.now() - 3600e3) / 900e3) * 900e3;
    const points = Array.from({ length: 180 }, (_, k) => ({
      device: 'vm-1',
      circuit: 4,
      ts: t0 + k * 10_000,
      fields: { voltage_v: 230, power_w: k, energy_import_wh: 1000 + k, seq: k + 1 },
    }));
    await store.writeCircuitPoints(points);
    const range = { from: t0, to: t0 + 1800e3 };
    for (const i of plan.tiers.keys()) await run(downsampleSelect(plan, i, range));

    const minute = rowsOf((await run('SELECT "power_w", "power_w_max", "energy_import_wh", "voltage_v" FROM "rp_1m"."circuit"'))[0]);
    expect(minute).toHaveLength(30);
    // minute m holds k = 6m … 6m+5: mean 6m+2.5, max 6m+5, last energy 1000+6m+5
    expect(minute[2]).toEqual({ time: t0 + 120e3, power_w: 14.5, power_w_max: 17, energy_import_wh: 1017, voltage_v: 230 });
    const quarter = rowsOf((await run('SELECT "power_w", "power_w_max", "energy_import_wh" FROM "rp_15m"."circuit" GROUP BY "device", "circuit"'))[0]);
    expect(quarter).toEqual([
      { device: 'vm-1', circuit: '4', time: t0, power_w: 44.5, power_w_max: 89, energy_import_wh: 1089 },
      { device: 'vm-1', circuit: '4', time: t0 + 900e3, power_w: 134.5, power_w_max: 179, energy_import_wh: 1179 },
    ]);
  });

  it('should upgrade an older install: tiers from all raw points, relay and price history copied, then the raw policy shortened', async () => {
    const db = 'upgrade';
    const old = new Influx1Store({ url: influx.url, db });
    await old.ensureDatabase(); // autogen, kept forever: what an install without the backend's setup has
    const day = 86400e3;
    const t40 = Math.floor((Date.now() - 40 * day) / 900e3) * 900e3;
    await old.writeCircuitPoints(Array.from({ length: 90 }, (_, k) => ({ device: 'vm-1', circuit: 1, ts: t40 + k * 10_000, fields: { power_w: k, energy_import_wh: k, seq: k + 1 } })));
    await old.writePoints('price', [{ tags: { area: 'DK1' }, fields: { price: 0.25, duration_s: 3600 }, ts: t40 }]);
    await old.writePoints('relay', [{ tags: { device: 'vm-1', circuit: '1' }, fields: { state: 1, reason: 'command', tripped: false }, ts: t40 }]);

    const service = new RetentionService(old, Object.assign(new AppConfig(), { INFLUX_DB: db, DATA_DIR: join(dir, 'upgrade-data') }));
    await service.tick();
    expect(service.settled).toBe(true);
    const q = async (statement: string) => rowsOf((await old.query(statement))[0]);
    expect((await q('SHOW RETENTION POLICIES')).map((p) => [p.name, p.duration])).toEqual([
      ['autogen', '720h0m0s'],
      ['rp_history', '0s'],
      ['rp_1m', '9600h0m0s'],
      ['rp_15m', '0s'],
    ]);
    expect(await q(`SELECT "power_w" FROM "rp_15m"."circuit"`)).toEqual([{ time: t40, power_w: 44.5 }]);
    expect(await q(`SELECT count("power_w") FROM "rp_1m"."circuit"`)).toEqual([{ time: 0, count: 15 }]);
    expect(await q(`SELECT "price", "area" FROM "rp_history"."price"`)).toEqual([{ time: t40, price: 0.25, area: 'DK1' }]);
    expect(await q(`SELECT "state", "reason", "circuit" FROM "rp_history"."relay"`)).toEqual([{ time: t40, state: 1, reason: 'command', circuit: '1' }]);
    await service.onApplicationShutdown();
  });
});
