/**
 * Grafana is not installed here, so every InfluxQL query of the dashboard (panels and template
 * variables) runs against a real influxd (Debian 1.6) after the same macro/variable interpolation
 * Grafana's InfluxDB datasource does, for every Resolution choice. The data is written by the
 * backend's own code: telemetry through telemetryToPoints + Influx1Store, the tiers by the
 * retention plan's SELECT … INTO, relay changes and quarter-hour snapshots by RelayHistoryService,
 * prices by PricesRepository, plans, savings and the site cap by AutomationHistoryService. Relay
 * states and prices start before the range. A new panel is
 * covered by construction: the test walks both dashboards' JSON (dinmeter circuits, dinmeter site).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROTOCOL_VERSION, RelayCircuitState, TelemetryMessage } from '@dinmeter/shared';
import { RELAY_SNAPSHOT_MS, RelayHistoryService, relayPoint } from '../../backend/src/devices/relay-history.service';
import { AutomationHistoryService } from '../../backend/src/automation/history/automation-history.service';
import { AutomationService } from '../../backend/src/automation/automation.service';
import { SavingsService } from '../../backend/src/automation/savings.service';
import { AppConfig } from '../../backend/src/config/app-config';
import { InfluxEventsRepository } from '../../backend/src/events/events.repository';
import { LeaderLeaseService } from '../../backend/src/leader/leader-lease.service';
import { telemetryToPoints } from '../../backend/src/ingest/ingest.service';
import { PricesRepository } from '../../backend/src/prices/prices.repository';
import { Influx1Store } from '../../backend/src/storage/influx1.store';
import { DEFAULT_HISTORY, DEFAULT_TIERS, downsampleSelect, ensureRetention, RetentionPlan } from '../../backend/src/storage/retention';
import { RetentionService } from '../../backend/src/storage/retention.service';
import { InfluxServer, startInflux } from '../dev/servers';

jest.setTimeout(300_000);

interface Target {
  refId: string;
  query: string;
  rawQuery: boolean;
  datasource: { type: string; uid: string };
}
interface Panel {
  id: number;
  title: string;
  type: string;
  targets: Target[];
  datasource: { type: string; uid: string };
}
interface Variable {
  name: string;
  type: string;
  query: string;
  multi?: boolean;
  includeAll?: boolean;
  datasource?: { type: string; uid: string };
}
interface Dashboard {
  __inputs: { name: string; type: string; pluginId: string }[];
  uid: string;
  annotations: { list: { name: string; query: string; datasource: { type: string; uid: string }; titleColumn: string; textColumn: string }[] };
  panels: Panel[];
  templating: { list: Variable[] };
}
interface Series {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: (number | string | null)[][];
}

const DASHBOARD_FILES = ['dinmeter-circuits.json', 'dinmeter-site.json'];
const dashboardText = (file: string) => readFileSync(join(__dirname, 'dashboards', file), 'utf8');
const dashboard = JSON.parse(dashboardText('dinmeter-circuits.json')) as Dashboard;
const site = JSON.parse(dashboardText('dinmeter-site.json')) as Dashboard;
/** Panels that query (rows only group). */
const queryPanels = (board: Dashboard) => board.panels.filter((p) => p.type !== 'row');

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const MINUTE = 60_000;
const RECORD_MS = 30_000;
/** Two whole UTC days and one hour, ending on the last full hour before now (inside every retention). */
const START = Math.floor(Date.now() / DAY) * DAY - 2 * DAY;
const END = START + 2 * DAY + HOUR;
/** The range the panels are asked for starts in the middle of an hour, after the last relay change of circuit 1 and 2. */
const FROM = START + 30 * MINUTE;
const powerW = (device: string, circuit: number) => (device === 'vm-1' ? 100 : 50) * circuit;
const EXPORT_W = 20; // circuit 3 of each meter also exports (think PV behind it)
const RESOLUTIONS = ['autogen', 'rp_1m', 'rp_15m'];
const priceAt = (slotStart: number) => Number((0.1 + ((slotStart - START) / HOUR) * 0.01).toFixed(2));

type Values = { device: string; circuit: string[]; rp: string; tz: string; automation_device: string[] };
const DEFAULTS: Values = { device: 'vm-1', circuit: ['1', '2', '3'], rp: 'autogen', tz: 'UTC', automation_device: ['vm-2'] };
const SITE_CAP_W = 1000;
/** What GET …/savings reports for circuit 1 of vm-2 on any day (its own tests check the calculation). */
const SAVINGS = { energyKwh: 0.2, unpricedKwh: 0, onMinutes: 120, actualCost: 0.05, worstCost: 0.09, averageCost: 0.07, savings: 0.02, savingsVsWorst: 0.04, currency: 'EUR' };

/** Grafana's InfluxQL interpolation: multi/all variables become an escaped regex group, others the raw value. */
function interpolate(query: string, values: Values, from = FROM, to = END, intervalS = 300, board = dashboard): string {
  const byName = new Map(board.templating.list.map((v) => [v.name, v]));
  const escape = (s: string) => s.replace(/[\\^$*+?.()|[\]{}/-]/g, '\\$&');
  return query
    .replace(/\$timeFilter/g, `time >= ${from}ms and time <= ${to}ms`)
    .replace(/\$__interval/g, `${intervalS}s`)
    .replace(/\$\{__from\}/g, String(from))
    .replace(/\$\{__to\}/g, String(to))
    .replace(/\$(\w+)/g, (whole, name: string) => {
      const variable = byName.get(name);
      if (!variable) return whole; // e.g. $tag_circuit in an alias
      const value = values[name as keyof Values];
      if (variable.multi || variable.includeAll) return `(${[value].flat().map(escape).join('|')})`;
      return String(value);
    });
}

describe('Grafana dashboard queries against a real influxd, on data the backend wrote', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dinmeter-grafana-'));
  let influx: InfluxServer;

  async function influxql(q: string, db = 'dinmeter'): Promise<Series[]> {
    const response = await fetch(`${influx.url}/query?db=${db}&epoch=ms&q=${encodeURIComponent(q)}`, { method: 'POST' });
    const body = (await response.json()) as { results: { series?: Series[]; error?: string }[]; error?: string };
    if (body.error || body.results[0].error) throw new Error(`${q}\n→ ${body.error ?? body.results[0].error}`);
    return body.results[0].series ?? [];
  }

  const run = (panelTitle: string, refId = 'A', values: Partial<Values> = {}, db?: string, board = dashboard) => {
    const panel = board.panels.find((p) => p.title === panelTitle);
    if (!panel) throw new Error(`no panel ${panelTitle}`);
    return influxql(interpolate(panel.targets.find((t) => t.refId === refId)!.query, { ...DEFAULTS, ...values }, FROM, END, 300, board), db);
  };
  const runSite = (panelTitle: string, refId = 'A', values: Partial<Values> = {}) => run(panelTitle, refId, values, undefined, site);
  /** The value of a series at (the bucket starting at) `ts`. */
  const at = (series: Series | undefined, ts: number) => series?.values.find((row) => row[0] === ts)?.[1];

  beforeAll(async () => {
    influx = await startInflux({ dataDir: join(dir, 'influxdb') });
    const store = new Influx1Store({ url: influx.url, db: 'dinmeter' });
    // What RetentionService does at start: policies, CQs, rp_history.
    const plan: RetentionPlan = { db: 'dinmeter', tiers: [...DEFAULT_TIERS], history: { ...DEFAULT_HISTORY } };
    await ensureRetention((q) => store.query(q), plan);
    await influxql('CREATE DATABASE "empty"');
    const retention = { historyRp: plan.history!.rp, historyRpWhenReady: async () => plan.history!.rp } as unknown as RetentionService;

    // Telemetry as ingest stores it: one record every 30 s per meter, 3 circuits each.
    for (const device of ['vm-1', 'vm-2']) {
      const points = [];
      for (let t = START, n = 0; t < END; t += RECORD_MS, n++) {
        const message: TelemetryMessage = {
          v: PROTOCOL_VERSION,
          seq: n + 1,
          ts: t,
          interval_s: RECORD_MS / 1000,
          acked_seq: n,
          circuits: [1, 2, 3].map((circuit) => {
            const exportW = circuit === 3 ? EXPORT_W : 0;
            const p = powerW(device, circuit);
            return {
              circuit,
              voltage_v: 230 + circuit / 10,
              current_a: p / 230,
              power_w: p - exportW,
              reactive_var: 0,
              apparent_va: p,
              pf: 0.98,
              freq_hz: 50 + (n % 5) / 100,
              energy_import_wh: 1000 + (n * p * RECORD_MS) / HOUR,
              energy_export_wh: (n * exportW * RECORD_MS) / HOUR,
            };
          }),
        };
        points.push(...telemetryToPoints(device, message));
      }
      for (let k = 0; k < points.length; k += 5000) await store.writeCircuitPoints(points.slice(k, k + 5000));
    }
    // The tiers, computed by the same SELECT … INTO the backend runs for late records.
    for (let from = START; from < END; from += 6 * HOUR) {
      for (const i of plan.tiers.keys()) await store.query(downsampleSelect(plan, i, { from, to: Math.min(END, from + 6 * HOUR) }));
    }

    // Relays: circuit 1 on 6 h before START and off 12 h after it; circuit 2 off since 3 days before START.
    // The backend writes each change and every state again on the quarter hour while it runs.
    const relays = new RelayHistoryService(store, () => END, retention);
    let states: RelayCircuitState[] = [];
    relays.watch(() => [['vm-1', states]]);
    await relays.write([relayPoint('vm-1', { circuit: 2, state: 'off', reason: 'command' }, START - 3 * DAY)]);
    for (let t = START - DAY; t < END; t += RELAY_SNAPSHOT_MS) {
      const circuit1: RelayCircuitState = { circuit: 1, state: t >= START - 6 * HOUR && t < START + 12 * HOUR ? 'on' : 'off', reason: 'command' };
      if (t === START - 6 * HOUR || t === START + 12 * HOUR) await relays.write([relayPoint('vm-1', circuit1, t)]);
      states = [circuit1, { circuit: 2, state: 'off', reason: 'command' }];
      if (t >= START - HOUR) await relays.snapshot(t); // the backend ran from an hour before START
    }
    // The automation's plan switched circuit 1 of vm-2 on for two hours after START.
    await relays.write([relayPoint('vm-2', { circuit: 1, state: 'on', reason: 'plan' }, START + 2 * HOUR)]);
    await relays.write([relayPoint('vm-2', { circuit: 1, state: 'off', reason: 'plan' }, START + 4 * HOUR)]);
    // …as the plan pushed an hour after START said, and the automation leader wrote it, the site cap
    // and the savings of circuit 1 of vm-2 (a cheapest rule) every hour while it ran.
    const automation = { onPlanPushed: () => undefined, automatedCircuits: () => [{ deviceId: 'vm-2', circuit: 1, mode: 'cheapest' }] };
    const history = new AutomationHistoryService(
      store,
      () => END,
      { SITE_POWER_CAP_W: SITE_CAP_W } as AppConfig,
      automation as unknown as AutomationService,
      { report: async () => SAVINGS } as unknown as SavingsService,
      { isLeader: () => true } as unknown as LeaderLeaseService,
      retention,
    );
    await history.writePlan('vm-2', { v: PROTOCOL_VERSION, version: START + HOUR, issued: START + HOUR, circuits: [{ circuit: 1, on: [{ start: START + 2 * HOUR, end: START + 4 * HOUR }], valid_until: START + 6 * HOUR }] });
    for (let t = START - HOUR; t <= END; t += HOUR) await history.snapshot(t);

    // Day-ahead prices per kWh, hourly, uploaded as the REST API stores them.
    const prices = new PricesRepository(store, retention);
    const slots = [];
    for (let t = START - DAY; t < END; t += HOUR) slots.push({ start: t, end: t + HOUR, price: priceAt(t), currency: 'EUR' });
    await prices.write('DK1', slots);

    // Appliance runs (a fridge on circuit 2 of vm-1, 40 runs a day of 35 Wh) and one anomaly alert, in
    // rp_history as the appliances service writes them.
    const runs = [];
    for (let t = START; t < END; t += 36 * MINUTE) {
      runs.push({ tags: { device: 'vm-1', circuit: '2', appliance: 'a1' }, fields: { duration_s: 1500, energy_wh: 35, power_w: 80, peak_w: 400, name: 'Fridge' }, ts: t });
    }
    await store.writePoints('appliance_run', runs, plan.history!.rp);
    await store.writePoints(
      'anomaly',
      [
        {
          tags: { device: 'vm-1', circuit: '2', kind: 'long_runs', appliance: 'a1' },
          fields: { score: 5.2, message: 'Fridge: runs last 38 min', baseline: 1500, now: 2300, limit: 1900, end_ms: START + DAY },
          ts: START + DAY - 3 * HOUR,
        },
      ],
      plan.history!.rp,
    );

    // Meter events as EventsService stores them (rp_history.event).
    const events = new InfluxEventsRepository(store, retention);
    await events.write('vm-1', { v: 1, ts: START + 5 * HOUR, type: 'protection_trip', circuit: 2, message: 'overcurrent 17.2 A > 16 A', data: { limit_a: 16 }, seq: 1, acked_seq: 0 });
    await events.write('vm-1', { v: 1, ts: START + 6 * HOUR, type: 'fault', message: 'chip 3: checksum', seq: 2, acked_seq: 1 });
    await events.write('vm-1', { v: 1, ts: START + 7 * HOUR, type: 'config', circuit: 2, seq: 3, acked_seq: 2 });
    await events.write('vm-2', { v: 1, ts: START + 8 * HOUR, type: 'step_change', circuit: 1, message: 'kettle on', seq: 1, acked_seq: 0 });
  });

  afterAll(async () => {
    await influx?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(DASHBOARD_FILES)('should import %s without editing: one datasource input, used by every panel and variable, resolved by a datasource variable when provisioned', (file) => {
    const text = dashboardText(file);
    const board = JSON.parse(text) as Dashboard;
    expect(board.__inputs).toEqual([expect.objectContaining({ name: 'DS_INFLUXDB', type: 'datasource', pluginId: 'influxdb' })]);
    const ds = { type: 'influxdb', uid: '${DS_INFLUXDB}' };
    expect(board.templating.list.find((v) => v.name === 'DS_INFLUXDB')).toMatchObject({ type: 'datasource', query: 'influxdb' });
    expect(queryPanels(board).length).toBeGreaterThanOrEqual(7);
    expect(new Set(board.panels.map((p) => p.id)).size).toBe(board.panels.length);
    for (const panel of queryPanels(board)) {
      expect(panel.datasource).toEqual(ds);
      for (const target of panel.targets) expect(target).toMatchObject({ rawQuery: true, datasource: ds });
    }
    for (const variable of board.templating.list.filter((v) => v.type === 'query')) expect(variable.datasource).toEqual(ds);
    // Grafana's import replaces ${DS_INFLUXDB} with the chosen datasource's uid; nothing else names one.
    const imported = JSON.parse(text.replaceAll('${DS_INFLUXDB}', 'picked-uid')) as Dashboard;
    expect(JSON.stringify(imported)).not.toMatch(/dinmeter-influxdb|\$\{DS_/);
  });

  it.each([
    ['dinmeter-circuits.json', ['vm-1 protection_trip 2 overcurrent 17.2 A > 16 A', 'vm-1 fault  chip 3: checksum']],
    ['dinmeter-site.json', ['vm-1 protection_trip 2 overcurrent 17.2 A > 16 A', 'vm-1 fault  chip 3: checksum', 'vm-2 step_change 1 kettle on']],
  ])('should annotate %s with the meters\' events (not config changes)', async (file, expected) => {
    const board = file === 'dinmeter-site.json' ? site : dashboard;
    const [annotation] = board.annotations.list;
    expect(annotation).toMatchObject({ name: 'Meter events', datasource: { type: 'influxdb', uid: '${DS_INFLUXDB}' }, titleColumn: 'type', textColumn: 'message' });
    const [series] = await influxql(interpolate(annotation.query, DEFAULTS, FROM, END, 300, board));
    const column = (row: unknown[], name: string) => row[series.columns.indexOf(name)] ?? '';
    expect(series.values.map((row) => ['device', 'type', 'circuit', 'message'].map((name) => column(row, name)).join(' '))).toEqual(expected);
  });

  it.each(DASHBOARD_FILES.flatMap((file) => RESOLUTIONS.map((rp) => [file, rp])))('should get data back from every panel query of %s at resolution %s', async (file, rp) => {
    const board = file === 'dinmeter-site.json' ? site : dashboard;
    for (const panel of queryPanels(board)) {
      for (const target of panel.targets) {
        const series = await influxql(interpolate(target.query, { ...DEFAULTS, rp }, FROM, END, 300, board));
        const values = series.flatMap((s) => s.values.flatMap((row) => row.slice(1))).filter((v) => v !== null);
        expect({ panel: panel.title, ref: target.refId, hasData: values.length > 0 }).toEqual({ panel: panel.title, ref: target.refId, hasData: true });
      }
    }
  });

  it('should list the meters with automation plans for the site\'s repeated automation row', async () => {
    const variable = site.templating.list.find((v) => v.name === 'automation_device')!;
    const devices = await influxql(interpolate(variable.query, DEFAULTS, FROM, END, 300, site));
    expect(devices[0].values.map((row) => row[1])).toEqual(['vm-2']);
    expect(site.panels.find((p) => p.title === 'Automation on $automation_device')).toMatchObject({ type: 'row', repeat: 'automation_device' });
  });

  it('should list meters and their circuits for the template variables', async () => {
    const [device, circuit] = ['device', 'circuit'].map((name) => dashboard.templating.list.find((v) => v.name === name)!);
    const devices = await influxql(interpolate(device.query, DEFAULTS));
    expect(devices[0].values.map((row) => row[1])).toEqual(['vm-1', 'vm-2']);
    const circuits = await influxql(interpolate(circuit.query, DEFAULTS));
    expect(circuits[0].values.map((row) => row[1])).toEqual(['1', '2', '3']);
  });

  it('should show the latest power per circuit', async () => {
    const now = await run('Power now');
    expect(now.map((s) => [s.tags!.circuit, s.values[0][1]])).toEqual([
      ['1', 100],
      ['2', 200],
      ['3', 300 - EXPORT_W],
    ]);
  });

  it.each(RESOLUTIONS)('should show the mean power of the chosen circuits only at resolution %s', async (rp) => {
    const series = await run('Power per circuit', 'A', { rp, circuit: ['2'] });
    expect(series.map((s) => s.tags)).toEqual([{ circuit: '2' }]);
    const filled = series[0].values.filter((row) => row[1] !== null);
    // Every 5-minute bucket from FROM to END, or every 15-minute point of rp_15m (the panel bridges the nulls between them).
    expect(filled.length).toBe((END - FROM) / (rp === 'rp_15m' ? 900_000 : 300_000));
    expect(filled.every((row) => row[1] === 200)).toBe(true);
  });

  it.each(RESOLUTIONS)('should give the energy of each calendar day in kWh, import and export, at resolution %s', async (rp) => {
    const imported = await run('Energy per day', 'A', { rp });
    expect(imported.map((s) => s.tags!.circuit)).toEqual(['1', '2', '3']);
    for (const s of imported) {
      const p = powerW('vm-1', Number(s.tags!.circuit));
      // A whole day: the counter's rise from the end of the day before, 24 h of power.
      expect(at(s, START + DAY)).toBeCloseTo((p * 24) / 1000, 6);
      // The day under way: the hour since midnight. (The first day of a meter has no day before it: no bar.)
      expect(at(s, START + 2 * DAY)).toBeCloseTo(p / 1000, 6);
      expect(s.values.map((row) => row[0])).toEqual([START + DAY, START + 2 * DAY]);
    }
    const exported = await run('Energy per day', 'B', { rp });
    expect(exported.map((s) => at(s, START + DAY))).toEqual([0, 0, expect.closeTo((EXPORT_W * 24) / 1000, 6)]);
  });

  it('should show appliance energy and runs per day, and the anomalies', async () => {
    const [energy] = await run('Appliance runs per day', 'A', { circuit: ['2'] });
    expect(energy.tags).toEqual({ circuit: '2', appliance: 'a1' });
    expect(at(energy, START + DAY)).toBeCloseTo(40 * 0.035, 6);
    const [runs] = await run('Appliance runs per day', 'B', { circuit: ['2'] });
    expect(at(runs, START + DAY)).toBe(40);
    const [table] = await run('Anomalies');
    expect(table.values).toHaveLength(1);
    expect(table.columns).toEqual(['time', 'kind', 'appliance', 'circuit', 'score', 'baseline', 'now', 'message']);
    expect(table.values[0].slice(1, 5)).toEqual(['long_runs', 'a1', '2', 5.2]);
  });

  it('should cut days at local midnight of $tz', async () => {
    const [berlin] = await run('Energy per day', 'A', { tz: 'Europe/Berlin', circuit: ['1'] });
    const days = berlin.values.map((row) => row[0] as number);
    const offsetMs = START + DAY - days.find((t) => t > START && t <= START + DAY)!;
    expect([HOUR, 2 * HOUR]).toContain(offsetMs); // CET or CEST
  });

  it.each(RESOLUTIONS)('should show voltage per circuit and frequency min/mean/max at resolution %s', async (rp) => {
    const voltage = await run('Voltage', 'A', { rp });
    expect(voltage.map((s) => s.values.find((row) => row[1] !== null)![1])).toEqual([230.1, 230.2, 230.3].map((v) => expect.closeTo(v, 9)));
    const [frequency] = await run('Frequency', 'A', { rp });
    expect(frequency.columns).toEqual(['time', 'min', 'mean', 'max']);
    const [, min, mean, max] = frequency.values.find((row) => row[1] !== null) as number[];
    if (rp === 'autogen') expect([min, max]).toEqual([50, 50.04]);
    expect(mean).toBeCloseTo(50.02, 6);
  });

  it('should show the relay state that held at the start of the range, and every change in it', async () => {
    const relays = await run('Relay state');
    const firstBucket = Math.floor(FROM / 300_000) * 300_000;
    const circuit1 = relays.find((s) => s.tags!.circuit === '1');
    expect([at(circuit1, firstBucket), at(circuit1, START + 6 * HOUR), at(circuit1, START + 12 * HOUR), at(circuit1, START + 30 * HOUR)]).toEqual([1, 1, 0, 0]);
    const circuit2 = relays.find((s) => s.tags!.circuit === '2')!;
    const inRange = circuit2.values.filter((row) => (row[0] as number) >= firstBucket);
    expect(inRange.length).toBeGreaterThan(500);
    expect(inRange.every((row) => row[1] === 0)).toBe(true);
  });

  it('should show the price of the slot under way at the start of the range, per area, and nothing while no price is stored', async () => {
    const prices = await run('Price');
    expect(prices.map((s) => s.tags)).toEqual([{ area: 'DK1' }]);
    const firstBucket = Math.floor(FROM / 300_000) * 300_000;
    expect(at(prices[0], firstBucket)).toBe(priceAt(START));
    expect(at(prices[0], START + 5 * HOUR + 10 * MINUTE)).toBe(priceAt(START + 5 * HOUR));
    expect(prices[0].values.at(-1)![1]).toBe(priceAt(END - HOUR));
    await influxql('CREATE RETENTION POLICY "rp_history" ON "empty" DURATION INF REPLICATION 1');
    expect(await run('Price', 'A', {}, 'empty')).toEqual([]);
  });

  describe('site dashboard', () => {
    const byDevice = (series: Series[]) => Object.fromEntries(series.map((s) => [s.tags!.device, s]));

    it.each(RESOLUTIONS)('should sum each meter\'s circuits into its power, at resolution %s', async (rp) => {
      const meters = byDevice(await runSite('Site power per meter', 'A', { rp }));
      expect(Object.keys(meters)).toEqual(['vm-1', 'vm-2']);
      for (const [device, total] of [['vm-1', 100 + 200 + 300 - EXPORT_W], ['vm-2', 50 + 100 + 150 - EXPORT_W]] as const) {
        const filled = meters[device].values.filter((row) => row[1] !== null);
        expect(filled.length).toBe((END - FROM) / (rp === 'rp_15m' ? 900_000 : 300_000));
        expect(filled.every((row) => row[1] === total)).toBe(true);
      }
    });

    it('should count the meters reporting at the end of the range and those seen in it', async () => {
      const [reporting] = await runSite('Meters reporting', 'A');
      const [seen] = await runSite('Meters reporting', 'B');
      expect([reporting.values[0][1], seen.values[0][1]]).toEqual([2, 2]);
      const late = await influxql(interpolate(site.panels.find((p) => p.title === 'Meters reporting')!.targets[0].query, DEFAULTS, FROM, END + HOUR, 300, site));
      expect(late).toEqual([]); // an hour after the last record nobody reports
    });

    it('should give each meter\'s last record time', async () => {
      const last = byDevice(await runSite('Last record per meter'));
      expect([last['vm-1'].values[0][0], last['vm-2'].values[0][0]]).toEqual([END - RECORD_MS, END - RECORD_MS]);
    });

    it.each(RESOLUTIONS)('should give the energy of today per meter, at resolution %s', async (rp) => {
      const today = byDevice(await runSite('Energy today per meter', 'A', { rp }));
      // END is 01:00 UTC today: an hour of every circuit's import since midnight.
      expect(today['vm-1'].values.at(-1)).toEqual([START + 2 * DAY, expect.closeTo((100 + 200 + 300) / 1000, 6)]);
      expect(today['vm-2'].values.at(-1)).toEqual([START + 2 * DAY, expect.closeTo((50 + 100 + 150) / 1000, 6)]);
    });

    it('should rank the circuits of all meters by mean power', async () => {
      const circuits = await runSite('Top circuits');
      const ranked = circuits.map((s) => [s.tags!.device, s.tags!.circuit, s.values[0][1]]).sort((a, b) => (b[2] as number) - (a[2] as number));
      expect(ranked).toEqual([
        ['vm-1', '3', 300 - EXPORT_W],
        ['vm-1', '2', 200],
        ['vm-2', '3', 150 - EXPORT_W],
        ['vm-1', '1', 100],
        ['vm-2', '2', 100],
        ['vm-2', '1', 50],
      ]);
    });

    it('should show the plan\'s relay changes against the price', async () => {
      const [relays, prices] = [await runSite('Relay state vs price', 'A'), await runSite('Relay state vs price', 'B')];
      const planned = relays.find((s) => s.tags!.device === 'vm-2' && s.tags!.circuit === '1');
      expect([at(planned, START + HOUR), at(planned, START + 2 * HOUR), at(planned, START + 3 * HOUR), at(planned, START + 4 * HOUR)]).toEqual([null, 1, 1, 0]);
      expect(at(prices[0], START + 2 * HOUR)).toBe(priceAt(START + 2 * HOUR));
      const now = await runSite('Relays now');
      const rows = Object.fromEntries(now.map((s) => [`${s.tags!.device}/${s.tags!.circuit}`, s.values[0].slice(1)]));
      expect(rows).toEqual({ 'vm-1/1': [0, 'command'], 'vm-1/2': [0, 'command'], 'vm-2/1': [0, 'plan'] });
    });

    it.each(RESOLUTIONS)('should draw the summed site power against the configured cap at resolution %s', async (rp) => {
      const [power] = await runSite('Site power vs cap', 'A', { rp });
      const [cap] = await runSite('Site power vs cap', 'B', { rp });
      // Every circuit of both meters: (100 + 200 + 300 − 20) + (50 + 100 + 150 − 20) W.
      expect(at(power, START + HOUR)).toBeCloseTo(860, 6);
      expect(at(cap, FROM)).toBe(SITE_CAP_W);
      expect(at(cap, START + 2 * DAY)).toBe(SITE_CAP_W);
    });

    it('should show each automated circuit\'s plan against its relay', async () => {
      const [planned] = await runSite('Plan vs actual', 'A');
      expect(planned.tags).toEqual({ circuit: '1', rule: 'cheapest' });
      const [actual] = await runSite('Plan vs actual', 'B');
      const slots = [HOUR, 2 * HOUR, 3 * HOUR, 4 * HOUR, 5 * HOUR].map((t) => START + t);
      expect(slots.map((t) => at(planned, t))).toEqual([0, 1, 1, 0, 0]);
      expect(slots.map((t) => at(actual, t))).toEqual([null, 1, 1, 0, 0]);
    });

    it('should show the savings of each whole or running UTC day in the range', async () => {
      const [savings] = await runSite('Savings per day');
      expect(savings.tags).toEqual({ circuit: '1' });
      expect(savings.columns).toEqual(['time', 'cost', 'at average price', 'saved']);
      expect(savings.values).toEqual([
        [START + DAY, SAVINGS.actualCost, SAVINGS.averageCost, SAVINGS.savings],
        [START + 2 * DAY, SAVINGS.actualCost, SAVINGS.averageCost, SAVINGS.savings],
      ]);
    });
  });
});
