/**
 * GET /metrics of the real backend process with virtual meters sending telemetry through its broker
 * into a real influxd, read with an independent Prometheus text-format parser (not prom-client).
 */
import parsePrometheusTextFormat, { PromFamily } from 'parse-prometheus-text-format';
import { SimulatedRig } from '../../../hil-tests/rig/simulated-rig';
import { TokenStore } from '../security/tokens/token-store';

jest.setTimeout(150_000);

const TOKEN = 'scrape-token-0123456789';

describe('GET /metrics (Prometheus, real backend)', () => {
  const rig = new SimulatedRig({ backendEnv: { METRICS_TOKEN: TOKEN } });
  let metricsUrl: string;

  const scrape = async (): Promise<Map<string, PromFamily>> => {
    const response = await fetch(metricsUrl, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return new Map(parsePrometheusTextFormat(await response.text()).map((family) => [family.name, family]));
  };
  const value = (families: Map<string, PromFamily>, name: string): number => Number(families.get(name)?.metrics[0]?.value ?? 0);

  beforeAll(async () => {
    await rig.start();
    metricsUrl = rig.restUrl.replace(/\/api$/, '/metrics');
  });

  afterAll(async () => {
    await rig.stop();
  });

  it('should refuse a scrape without a token or with a wrong one, and take a REST token of any role', async () => {
    expect((await fetch(metricsUrl)).status).toBe(401);
    expect((await fetch(metricsUrl, { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
    const read = (await TokenStore.inDataDir(rig.backendDataDir).create('read', 'prometheus')).token;
    expect((await fetch(metricsUrl, { headers: { authorization: `Bearer ${read}` } })).status).toBe(200);
  });

  it('should expose process metrics, queue depths and an empty ingest histogram before any traffic', async () => {
    const families = await scrape();
    expect(families.get('dinmeter_process_cpu_user_seconds_total')?.type).toBe('COUNTER');
    expect(value(families, 'dinmeter_process_resident_memory_bytes')).toBeGreaterThan(1e6);
    expect(families.get('dinmeter_ingest_pending_points')?.type).toBe('GAUGE');
    expect(families.get('dinmeter_commands_pending')?.type).toBe('GAUGE');
    const latency = families.get('dinmeter_ingest_latency_seconds');
    expect(latency?.type).toBe('HISTOGRAM');
    expect(Number(latency?.metrics[0].count)).toBe(0);
    expect(value(families, 'dinmeter_telemetry_stored_total')).toBe(0);
  });

  it('should count telemetry, time its acks and age each meter as traffic flows', async () => {
    await rig.startMeters({ count: 2, intervalS: 1 });
    let families = await scrape();
    for (const until = Date.now() + 60_000; value(families, 'dinmeter_telemetry_stored_total') < 6 && Date.now() < until; ) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      families = await scrape();
    }
    const stored = value(families, 'dinmeter_telemetry_stored_total');
    expect(stored).toBeGreaterThanOrEqual(6);
    expect(families.get('dinmeter_telemetry_stored_total')?.type).toBe('COUNTER');
    expect(value(families, 'dinmeter_telemetry_received_total')).toBeGreaterThanOrEqual(stored);

    const latency = families.get('dinmeter_ingest_latency_seconds')!.metrics[0];
    expect(Number(latency.count)).toBeGreaterThanOrEqual(1);
    expect(Number(latency.sum)).toBeGreaterThan(0);
    expect(Number(latency.buckets!['+Inf'])).toBe(Number(latency.count));

    const ages = new Map(families.get('dinmeter_device_last_seen_age_seconds')!.metrics.map((m) => [m.labels!.device, Number(m.value)]));
    expect([...ages.keys()].sort()).toEqual(['vm-1', 'vm-2']);
    for (const age of ages.values()) expect(age).toBeLessThan(30);
    expect(value(families, 'dinmeter_devices_online')).toBe(2);

    // Later scrapes move: more records stored, and the JSON counters of /api/metrics say the same.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const later = await scrape();
    expect(value(later, 'dinmeter_telemetry_stored_total')).toBeGreaterThan(stored);
    expect(Number(later.get('dinmeter_ingest_latency_seconds')!.metrics[0].count)).toBeGreaterThan(Number(latency.count));
    const json = (await rig.rest<Record<string, number>>('GET', '/metrics')).body;
    expect(json.telemetry_stored).toBeGreaterThanOrEqual(value(later, 'dinmeter_telemetry_stored_total'));
  });

  it('should show a meter that stopped sending growing older', async () => {
    await rig.stopMeters();
    const before = await scrape();
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const after = await scrape();
    const age = (families: Map<string, PromFamily>) => Number(families.get('dinmeter_device_last_seen_age_seconds')!.metrics.find((m) => m.labels!.device === 'vm-1')!.value);
    expect(age(after)).toBeGreaterThanOrEqual(age(before) + 2);
  });
});
