import { NotFoundException } from '@nestjs/common';
import { validateMessage } from '@dinmeter/shared';
import { AppConfig } from '../config/app-config';
import { TelemetryListener } from '../ingest/telemetry-feed';
import { cycles, DAY, MIN, render, T0 } from './analysis/testing';
import { AppliancesPorts } from './appliances.ports';
import { AppliancesService } from './appliances.service';
import { AppliancesFile } from './appliances.types';

function setup() {
  const handlers: Record<string, (id: string, payload: Buffer) => void> = {};
  const published: { topic: string; payload: string; retain?: boolean }[] = [];
  const points: { measurement: string; tags: Record<string, string>; rp?: string }[] = [];
  let now = T0;
  let saved: AppliancesFile | undefined;
  let onRecord: TelemetryListener = () => undefined;
  /** The meters Home Assistant discovery announces (the registry's, within HA_DISCOVERY_MAX_METERS). */
  const announced = new Set(['vm-1']);
  const connectListeners: (() => void)[] = [];
  const announcedListeners: ((id: string) => void)[] = [];
  const removedListeners: ((id: string) => void)[] = [];
  const ports: AppliancesPorts = {
    telemetry: { subscribe: (listener) => ((onRecord = listener), () => undefined) },
    devices: { onRemoved: (listener) => void removedListeners.push(listener) },
    homeAssistant: { announces: (id) => announced.has(id), onAnnounced: (listener) => void announcedListeners.push(listener) },
    mqtt: {
      on: (kind: string, h: (id: string, payload: Buffer) => void) => void (handlers[kind] = h),
      onConnect: (listener: () => void) => void connectListeners.push(listener),
      publishQuietly: (topic: string, payload: string, o: { retain?: boolean }) => void published.push({ topic, payload, retain: o.retain }),
      connected: true,
    } as unknown as AppliancesPorts['mqtt'],
    store: { writePoints: async (measurement, ps, rp) => void points.push(...ps.map((p) => ({ measurement, tags: p.tags, rp }))) },
    counters: { inc: () => undefined },
    now: () => now,
    historyRp: async () => 'rp_history',
  };
  let saves = 0;
  const repository = { load: (f: AppliancesFile) => f, save: (d: AppliancesFile) => void ((saved = d), saves++), flush: () => undefined };
  const service = new AppliancesService(Object.assign(new AppConfig(), { HA_DISCOVERY: true, HA_DISCOVERY_PREFIX: 'homeassistant' }), repository, ports);
  service.onModuleInit();
  let seq = 1;
  const feed = (samples: { ts: number; powerW: number }[]) => {
    for (const s of samples) {
      now = s.ts;
      const reading = { circuit: 4, voltage_v: 230, current_a: s.powerW / 230, power_w: s.powerW, reactive_var: 0, apparent_va: s.powerW, pf: 1, freq_hz: 50, energy_import_wh: 0, energy_export_wh: 0 };
      onRecord('vm-1', { v: 1, seq: seq++, ts: s.ts, interval_s: 60, acked_seq: 0, circuits: [reading] });
    }
  };
  /** The MQTT link reconnects: Home Assistant discovery announces its meters again. */
  const reconnect = () => {
    connectListeners.forEach((listener) => listener());
    for (const id of announced) announcedListeners.forEach((listener) => listener(id));
  };
  /** The registry removes a meter (DevicesService.remove); Home Assistant discovery stops announcing it. */
  const remove = (id: string) => {
    announced.delete(id);
    removedListeners.forEach((listener) => listener(id));
  };
  /** The meter's birth: Home Assistant discovery announces it again. */
  const born = (id: string) => {
    announced.add(id);
    announcedListeners.forEach((listener) => listener(id));
  };
  return { service, feed, published, points, saved: () => saved, saves: () => saves, reconnect, remove, born };
}

// A week of readings goes through the whole service: seconds on a loaded machine.
jest.setTimeout(60_000);

describe(AppliancesService.name, () => {
  it('should find the fridge, let a user name it, recognise its runs and raise an alert when they grow longer', async () => {
    const { service, feed, published, points, saved } = setup();
    const runs = cycles(T0, T0 + 7 * DAY, { onMin: 25, offMin: 40, powerW: 80, jitter: 0.05 });
    for (const r of runs) if (r.start >= T0 + 6 * DAY) r.durationMs *= 1.5;
    const samples = render(runs, T0, T0 + 7 * DAY, { stepMs: 60_000 });
    feed(samples.filter((s) => s.ts < T0 + 4 * DAY));

    const before = service.list('vm-1', 4, T0 + 4 * DAY);
    expect(before.appliances).toHaveLength(1);
    expect(before.appliances[0]).toMatchObject({ id: 'a1', name: null, cyclic: true });
    const named = service.name('vm-1', 4, 'a1', 'Fridge');
    expect(named).toMatchObject({ name: 'Fridge' });
    expect(published.some((p) => p.topic === 'homeassistant/sensor/dinmeter_vm-1_c4_a1_state/config' && p.retain)).toBe(true);
    expect(published.some((p) => p.topic === 'homeassistant/event/dinmeter_vm-1_alerts/config')).toBe(true);

    feed(samples.filter((s) => s.ts >= T0 + 4 * DAY));
    const after = service.list('vm-1', 4, T0 + 7 * DAY);
    expect(after.appliances[0].runs).toBeGreaterThan(90);
    expect(after.appliances[0].perDay.at(-2)!.runs).toBeGreaterThan(15);
    await new Promise((resolve) => setImmediate(resolve)); // the writes wait for the history policy
    expect(points.some((p) => p.measurement === 'appliance_run' && p.tags.appliance === 'a1' && p.rp === 'rp_history')).toBe(true);

    const alerts = published.filter((p) => p.topic === 'dinmeter/vm-1/alerts').map((p) => JSON.parse(p.payload));
    expect(alerts.map((a) => a.kind)).toEqual(['long_runs']);
    expect(validateMessage('alerts', alerts[0]).ok).toBe(true);
    expect(alerts[0]).toMatchObject({ circuit: 4, appliance: 'a1', appliance_name: 'Fridge' });
    expect(alerts[0].message).toMatch(/^Fridge: runs last/);
    expect(alerts[0].start).toBeGreaterThanOrEqual(T0 + 6 * DAY - 65 * MIN);
    expect(service.alerts('vm-1')).toHaveLength(1);
    expect(points.some((p) => p.measurement === 'anomaly' && p.tags.kind === 'long_runs')).toBe(true);
    expect(published.some((p) => p.topic === 'dinmeter/vm-1/appliances/4/a1' && JSON.parse(p.payload).name === 'Fridge')).toBe(true);
    expect(saved()!.circuits[0].appliances[0].name).toBe('Fridge');
  });

  it('should raise no alert of a kind a user muted, and keep the tuning', () => {
    const { service, feed, published, saved } = setup();
    const runs = cycles(T0, T0 + 6 * DAY, { onMin: 25, offMin: 40, powerW: 80, jitter: 0.05 });
    for (const r of runs) if (r.start >= T0 + 5 * DAY) r.durationMs *= 1.5;
    const samples = render(runs, T0, T0 + 6 * DAY, { stepMs: 60_000 });
    feed(samples.filter((s) => s.ts < T0 + 4 * DAY));
    const tuned = service.setSettings('vm-1', 4, { muted: ['long_runs', 'high_energy'], scoreThreshold: 5 });
    expect(tuned).toMatchObject({ scoreThreshold: 5, muted: ['long_runs', 'high_energy'], minChange: { durationS: 0.2 } });
    feed(samples.filter((s) => s.ts >= T0 + 4 * DAY));
    expect(published.filter((p) => p.topic === 'dinmeter/vm-1/alerts')).toEqual([]);
    expect(saved()!.circuits[0].settings).toEqual({ muted: ['long_runs', 'high_energy'], scoreThreshold: 5 });
  });

  describe('Home Assistant discovery', () => {
    const FRIDGE = 'homeassistant/sensor/dinmeter_vm-1_c4_a1_state/config';
    const ALERTS = 'homeassistant/event/dinmeter_vm-1_alerts/config';

    function withFridge() {
      const fixture = setup();
      fixture.feed(render(cycles(T0, T0 + 4 * DAY, { onMin: 25, offMin: 40, powerW: 80, jitter: 0.05 }), T0, T0 + 4 * DAY, { stepMs: 60_000 }));
      fixture.service.name('vm-1', 4, 'a1', 'Fridge');
      fixture.published.length = 0;
      return fixture;
    }
    const configs = (published: { topic: string; payload: string }[], topic: string) => published.filter((p) => p.topic === topic).map((p) => p.payload);

    it("should announce a meter's anomaly entity and appliance sensors with the meter's own discovery", () => {
      const { published, reconnect } = withFridge();
      reconnect();
      expect(configs(published, FRIDGE)).toHaveLength(1);
      expect(configs(published, ALERTS)).toHaveLength(1);
    });

    it('should clear the appliance sensors of a removed meter and not announce anything of it on a reconnect, until its birth', () => {
      const { published, reconnect, remove, born } = withFridge();
      remove('vm-1');
      expect(configs(published, FRIDGE)).toEqual(['']);
      reconnect();
      expect(published.filter((p) => p.topic.includes('/dinmeter_vm-1_') && p.payload !== '')).toEqual([]);

      born('vm-1');
      expect(JSON.parse(configs(published, FRIDGE).at(-1)!).name).toBe('Fridge state');
      expect(configs(published, ALERTS)).toHaveLength(1);
    });

    it('should not announce a newly named appliance of a meter discovery leaves out (HA_DISCOVERY_MAX_METERS)', () => {
      const { service, published, remove } = withFridge();
      remove('vm-1');
      published.length = 0;
      service.name('vm-1', 4, 'a1', 'Freezer');
      expect(published.filter((p) => p.topic.startsWith('homeassistant/') && p.payload !== '')).toEqual([]);
    });
  });

  it('should answer 404 for an unknown circuit or appliance', () => {
    const { service, feed } = setup();
    expect(() => service.list('vm-1', 4)).toThrow(NotFoundException);
    feed(render([], T0, T0 + 10 * MIN, { stepMs: 15_000 }));
    expect(() => service.name('vm-1', 4, 'a7', 'Fridge')).toThrow(NotFoundException);
  });

  it('should hand the repository one view of every circuit, read when the file is written, not rebuilt per record', () => {
    const { feed, saved, saves } = setup();
    feed(render([{ start: T0 + 5 * MIN, durationMs: 30 * MIN, powerW: 500 }], T0, T0 + 3 * DAY, { stepMs: 10 * MIN }));
    const first = saved()!;
    expect(saves()).toBeGreaterThan(1);
    feed(render([], T0 + 3 * DAY + MIN, T0 + 3 * DAY + 2 * MIN, { stepMs: MIN }));

    expect(saved()).toBe(first);
    const written = JSON.parse(JSON.stringify(first)) as AppliancesFile;
    expect(written.version).toBe(1);
    expect(written.circuits.map((c) => `${c.device}/${c.circuit}`)).toEqual(['vm-1/4']);
    expect(written.circuits[0].runs.length).toBeGreaterThan(0);
  });
});
