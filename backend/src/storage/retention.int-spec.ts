/** ensureRetention and the downsampling SELECTs against a real influxd 1.6 (infra/dev/servers.ts). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfluxServer, startInflux } from '../../../infra/dev/servers';
import { Influx1Store } from './influx1.store';
import { rowsOf } from './influxql';
import { DEFAULT_TIERS, downsampleSelect, ensureRetention, RetentionPlan } from './retention';

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

  it('should create the policies and continuous queries, and run again without error', async () => {
    await ensureRetention(run, plan);
    await ensureRetention(run, plan);
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
});
