/**
 * The savings report's energy readings for a range whose raw points have expired: read from the
 * downsampled tiers RetentionService names, on a real influxd 1.6. The raw points of 60 days ago
 * go to a scratch policy that is folded into rp_1m/rp_15m by the backend's SELECT … INTO and then
 * dropped, as the 30-day raw retention would drop them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfluxServer, startInflux } from '../../../infra/dev/servers';
import { AppConfig } from '../config/app-config';
import { Influx1Store } from '../storage/influx1.store';
import { downsampleSelect } from '../storage/retention';
import { RetentionService } from '../storage/retention.service';
import { EnergyRepository } from './energy.repository';
import { savingsFigures } from './savings.calculator';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

describe('EnergyRepository beyond the raw retention (influxd 1.6)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dinmeter-energy-'));
  let influx: InfluxServer;
  let store: Influx1Store;
  let retention: RetentionService;

  beforeAll(async () => {
    influx = await startInflux({ dataDir: join(dir, 'influx') });
    store = new Influx1Store({ url: influx.url, db: 'dinmeter' });
    retention = new RetentionService(store, Object.assign(new AppConfig(), { DATA_DIR: join(dir, 'data') }));
    await retention.tick();
    expect(retention.settled).toBe(true);
  });
  afterAll(async () => {
    await retention?.onApplicationShutdown();
    await influx?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should read the counter from rp_1m for a range 60 days old, and price it like the raw points', async () => {
    const t0 = Math.floor((Date.now() - 60 * DAY) / HOUR) * HOUR;
    await store.query('CREATE RETENTION POLICY "scratch" ON "dinmeter" DURATION INF REPLICATION 1');
    // 3 hours of 10-s records at 600 W: 1 Wh per 6 s → the counter rises 100 Wh per 10 minutes.
    const points = Array.from({ length: 3 * 360 }, (_, k) => ({ device: 'vm-1', circuit: 3, ts: t0 + k * 10_000, fields: { power_w: 600, energy_import_wh: 5000 + (k * 600 * 10) / 3600, seq: k + 1 } }));
    await new Influx1Store({ url: influx.url, db: 'dinmeter', rp: 'scratch' }).writeCircuitPoints(points);
    for (const i of retention.plan.tiers.keys()) await store.query(downsampleSelect(retention.plan, i, { from: t0 - HOUR, to: t0 + 4 * HOUR }, 'scratch'));
    await store.query('DROP RETENTION POLICY "scratch" ON "dinmeter"');

    const repository = new EnergyRepository(store, retention);
    const from = t0 + HOUR;
    const to = t0 + 2 * HOUR;
    const readings = await repository.readings('vm-1', 3, from, to);
    expect(readings.length).toBeGreaterThan(50);
    expect(readings.every((r) => r.ts >= from - 60_000 && r.ts <= to)).toBe(true);
    // One hour at 600 W, priced at 0.2 per kWh in one slot: 0.6 kWh, 0.12 — within a minute's energy (10 Wh).
    const figures = savingsFigures(readings, [{ start: from, end: to, price: 0.2 }], from, to);
    expect(figures.energyKwh).toBeCloseTo(0.6, 1);
    expect(Math.abs(figures.energyKwh - 0.6)).toBeLessThanOrEqual(0.01);
    expect(figures.actualCost).toBeCloseTo(0.12, 2);

    // The same repository without the tiers finds nothing there: the raw points are gone.
    expect(await new EnergyRepository(store).readings('vm-1', 3, from, to)).toEqual([]);
  });
});
