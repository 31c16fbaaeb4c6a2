/**
 * Grafana is not installed here, so every InfluxQL query of the provisioned dashboard (panels and
 * template variables) runs against a real influxd (Debian 1.6) with sample points, after the same
 * macro/variable interpolation Grafana's InfluxDB datasource does. A new panel is covered by
 * construction: the test walks the dashboard JSON.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfluxServer, startInflux } from '../dev/servers';

jest.setTimeout(120_000);

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
  datasource: { uid: string };
}
interface Variable {
  name: string;
  type: string;
  query: string;
  multi?: boolean;
  includeAll?: boolean;
}
interface Dashboard {
  uid: string;
  panels: Panel[];
  templating: { list: Variable[] };
}
interface Series {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: (number | string | null)[][];
}

const dashboard = JSON.parse(readFileSync(join(__dirname, 'dashboards', 'dinmeter-circuits.json'), 'utf8')) as Dashboard;
const datasourceYaml = readFileSync(join(__dirname, 'provisioning', 'datasources', 'dinmeter-influxdb.yaml'), 'utf8');

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const MINUTE = 60_000;
/** Two whole UTC days and one hour, ending on the last full hour before now (inside every retention). */
const START = Math.floor(Date.now() / DAY) * DAY - 2 * DAY;
const END = START + 2 * DAY + HOUR;
const powerW = (device: string, circuit: number) => (device === 'vm-1' ? 100 : 50) * circuit;
const EXPORT_W = 20; // circuit 3 of each meter also exports (think PV behind it)

type Values = { device: string; circuit: string[]; rp: string; tz: string };
const DEFAULTS: Values = { device: 'vm-1', circuit: ['1', '2', '3'], rp: 'autogen', tz: 'UTC' };

/** Grafana's InfluxQL interpolation: multi/all variables become an escaped regex group, others the raw value. */
function interpolate(query: string, values: Values, from = START, to = END, intervalS = 300): string {
  const byName = new Map(dashboard.templating.list.map((v) => [v.name, v]));
  const escape = (s: string) => s.replace(/[\\^$*+?.()|[\]{}/-]/g, '\\$&');
  return query
    .replace(/\$timeFilter/g, `time >= ${from}ms and time <= ${to}ms`)
    .replace(/\$__interval/g, `${intervalS}s`)
    .replace(/\$(\w+)/g, (whole, name: string) => {
      const variable = byName.get(name);
      if (!variable) return whole; // e.g. $tag_circuit in an alias
      const value = values[name as keyof Values];
      if (variable.multi || variable.includeAll) return `(${[value].flat().map(escape).join('|')})`;
      return String(value);
    });
}

describe('Grafana dashboard queries against a real influxd', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dinmeter-grafana-'));
  let influx: InfluxServer;

  async function influxql(q: string, db = 'dinmeter'): Promise<Series[]> {
    const response = await fetch(`${influx.url}/query?db=${db}&epoch=ms&q=${encodeURIComponent(q)}`, { method: 'POST' });
    const body = (await response.json()) as { results: { series?: Series[]; error?: string }[]; error?: string };
    if (body.error || body.results[0].error) throw new Error(`${q}\n→ ${body.error ?? body.results[0].error}`);
    return body.results[0].series ?? [];
  }

  async function write(lines: string[], rp?: string): Promise<void> {
    for (let k = 0; k < lines.length; k += 5000) {
      const response = await fetch(`${influx.url}/write?db=dinmeter&precision=ms${rp ? `&rp=${rp}` : ''}`, {
        method: 'POST',
        body: lines.slice(k, k + 5000).join('\n'),
      });
      if (response.status !== 204) throw new Error(`write: ${response.status} ${await response.text()}`);
    }
  }

  const run = (panelTitle: string, refId = 'A', values: Partial<Values> = {}, db?: string) => {
    const panel = dashboard.panels.find((p) => p.title === panelTitle);
    if (!panel) throw new Error(`no panel ${panelTitle}`);
    return influxql(interpolate(panel.targets.find((t) => t.refId === refId)!.query, { ...DEFAULTS, ...values }), db);
  };

  beforeAll(async () => {
    influx = await startInflux({ dataDir: join(dir, 'influxdb') });
    await influxql('CREATE DATABASE "dinmeter"');
    await influxql('CREATE DATABASE "empty"');
    await influxql('CREATE RETENTION POLICY "rp_1m" ON "dinmeter" DURATION 400d REPLICATION 1');
    // The schema the backend writes (infra/influxdb/README.md): one point per circuit and record.
    const lines: string[] = [];
    const rp1m: string[] = [];
    for (const device of ['vm-1', 'vm-2']) {
      for (let circuit = 1; circuit <= 3; circuit++) {
        const exportW = circuit === 3 ? EXPORT_W : 0;
        for (let t = START, n = 0; t < END; t += MINUTE, n++) {
          const fields =
            `voltage_v=${230 + circuit / 10},current_a=${powerW(device, circuit) / 230},power_w=${powerW(device, circuit) - exportW},` +
            `pf=0.98,freq_hz=${50 + (n % 5) / 100},energy_import_wh=${1000 + (n * powerW(device, circuit)) / 60},` +
            `energy_export_wh=${(n * exportW) / 60},seq=${n + 1}i`;
          lines.push(`circuit,circuit=${circuit},device=${device} ${fields} ${t}`);
          if (n % 60 === 0) rp1m.push(`circuit,circuit=${circuit},device=${device} power_w=${powerW(device, circuit)} ${t}`);
        }
      }
    }
    // Relay history (measurement relay, field state 1/0): circuit 1 on, off after 12 h; circuit 2 off.
    lines.push(`relay,circuit=1,device=vm-1 state=1,reason="command" ${START}`);
    lines.push(`relay,circuit=1,device=vm-1 state=0,reason="plan" ${START + 12 * HOUR}`);
    lines.push(`relay,circuit=2,device=vm-1 state=0,reason="power_on" ${START}`);
    // Appliance runs (a fridge on circuit 2 of vm-1, 40 runs a day of 35 Wh) and one anomaly alert.
    for (let t = START; t < END; t += 36 * MINUTE) lines.push(`appliance_run,appliance=a1,circuit=2,device=vm-1 duration_s=1500,energy_wh=35,power_w=80,peak_w=400,name="Fridge" ${t}`);
    lines.push(`anomaly,appliance=a1,circuit=2,device=vm-1,kind=long_runs score=5.2,baseline=1500,now=2300,limit=1900,end_ms=${START + DAY}i,message="Fridge: runs last 38 min" ${START + DAY - 3 * HOUR}`);
    // Day-ahead prices per kWh, hourly.
    for (let t = START; t < END; t += HOUR) lines.push(`price,area=DK1,source=entsoe price=${(0.1 + ((t - START) / HOUR) * 0.01).toFixed(2)} ${t}`);
    await write(lines);
    await write(rp1m, 'rp_1m');
  });

  afterAll(async () => {
    await influx?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should refer every panel and query to the provisioned InfluxDB datasource', () => {
    const uid = /^\s*uid:\s*(\S+)/m.exec(datasourceYaml)?.[1];
    expect(uid).toBe('dinmeter-influxdb');
    expect(datasourceYaml).toMatch(/dbName:\s*dinmeter/);
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(6);
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    for (const panel of dashboard.panels) {
      expect(panel.datasource.uid).toBe(uid);
      for (const target of panel.targets) expect(target).toMatchObject({ rawQuery: true, datasource: { type: 'influxdb', uid } });
    }
  });

  it('should run every panel query without an error and get data back', async () => {
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        const series = await influxql(interpolate(target.query, DEFAULTS));
        const values = series.flatMap((s) => s.values.flatMap((row) => row.slice(1))).filter((v) => v !== null);
        expect({ panel: panel.title, ref: target.refId, hasData: values.length > 0 }).toEqual({ panel: panel.title, ref: target.refId, hasData: true });
      }
    }
  });

  it('should list meters and their circuits for the template variables', async () => {
    const [device, circuit] = ['device', 'circuit'].map((name) => dashboard.templating.list.find((v) => v.name === name)!);
    const devices = await influxql(interpolate(device.query, DEFAULTS));
    expect(devices[0].values.map((row) => row[1])).toEqual(['vm-1', 'vm-2']);
    const circuits = await influxql(interpolate(circuit.query, DEFAULTS));
    expect(circuits[0].values.map((row) => row[1])).toEqual(['1', '2', '3']);
  });

  it('should show the latest and the mean power per circuit, for the chosen circuits only', async () => {
    const now = await run('Power now');
    expect(now.map((s) => [s.tags!.circuit, s.values[0][1]])).toEqual([
      ['1', 100],
      ['2', 200],
      ['3', 300 - EXPORT_W],
    ]);
    const series = await run('Power per circuit', 'A', { circuit: ['2'] });
    expect(series.map((s) => s.tags)).toEqual([{ circuit: '2' }]);
    const filled = series[0].values.filter((row) => row[1] !== null);
    expect(filled.length).toBe((END - START) / 300_000);
    expect(filled.every((row) => row[1] === 200)).toBe(true);
    const downsampled = await run('Power per circuit', 'A', { rp: 'rp_1m', circuit: ['1'] });
    expect(downsampled[0].values.filter((row) => row[1] !== null).length).toBe(49);
  });

  it('should give the energy of each calendar day in kWh, import and export', async () => {
    const imported = await run('Energy per day', 'A');
    const firstFullDay = (s: Series) => s.values.find((row) => row[0] === START + DAY)![1] as number;
    for (const s of imported) {
      const circuit = Number(s.tags!.circuit);
      expect(s.values.map((row) => row[0])).toEqual([START, START + DAY, START + 2 * DAY]);
      // 1440 records a day: the spread covers 1439 one-minute intervals.
      expect(firstFullDay(s)).toBeCloseTo((powerW('vm-1', circuit) * 1439) / 60 / 1000, 6);
    }
    const exported = await run('Energy per day', 'B');
    expect(exported.map((s) => firstFullDay(s))).toEqual([0, 0, expect.closeTo((EXPORT_W * 1439) / 60 / 1000, 6)]);
  });

  it('should show appliance energy and runs per day, and the anomalies', async () => {
    const [energy] = await run('Appliance runs per day', 'A', { circuit: ['2'] });
    expect(energy.tags).toEqual({ circuit: '2', appliance: 'a1' });
    expect(energy.values.find((row) => row[0] === START + DAY)![1]).toBeCloseTo(40 * 0.035, 6);
    const [runs] = await run('Appliance runs per day', 'B', { circuit: ['2'] });
    expect(runs.values.find((row) => row[0] === START + DAY)![1]).toBe(40);
    const [table] = await run('Anomalies');
    expect(table.values).toHaveLength(1);
    expect(table.columns).toEqual(['time', 'kind', 'appliance', 'circuit', 'score', 'baseline', 'now', 'message']);
    expect(table.values[0].slice(1, 5)).toEqual(['long_runs', 'a1', '2', 5.2]);
  });

  it('should cut days at local midnight of $tz', async () => {
    const [berlin] = await run('Energy per day', 'A', { tz: 'Europe/Berlin', circuit: ['1'] });
    const offsetMs = START + DAY - (berlin.values[1][0] as number);
    expect([HOUR, 2 * HOUR]).toContain(offsetMs); // CET or CEST
  });

  it('should show voltage per circuit and frequency min/mean/max', async () => {
    const voltage = await run('Voltage');
    expect(voltage.map((s) => s.values[0][1])).toEqual([230.1, 230.2, 230.3]);
    const [frequency] = await run('Frequency');
    expect(frequency.columns).toEqual(['time', 'min', 'mean', 'max']);
    const [, min, mean, max] = frequency.values[0] as number[];
    expect([min, max]).toEqual([50, 50.04]);
    expect(mean).toBeCloseTo(50.02, 6);
  });

  it('should hold relay states between changes', async () => {
    const relays = await run('Relay state');
    const circuit1 = relays.find((s) => s.tags!.circuit === '1')!;
    const at = (ms: number) => circuit1.values.find((row) => row[0] === START + ms)![1];
    expect([at(0), at(6 * HOUR), at(12 * HOUR), at(30 * HOUR)]).toEqual([1, 1, 0, 0]);
    expect(relays.find((s) => s.tags!.circuit === '2')!.values.every((row) => row[1] === 0)).toBe(true);
  });

  it('should show prices per tag set, and nothing (no error) while no price is stored', async () => {
    const prices = await run('Price');
    expect(prices.map((s) => s.tags)).toEqual([{ area: 'DK1', source: 'entsoe' }]);
    expect(prices[0].values.at(-1)![1]).toBeCloseTo(0.1 + 48 * 0.01, 6);
    expect(await run('Price', 'A', {}, 'empty')).toEqual([]);
  });
});
