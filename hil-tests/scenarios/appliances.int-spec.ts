/**
 * Appliances and anomalies end to end: the real backend (embedded broker) and influxd. A meter played
 * by an MQTT client sends five days of telemetry of a fridge on circuit 4 whose compressor runs 60 %
 * longer on the last day. The backend finds the fridge, a user names it over REST, and the alert
 * arrives on dinmeter/<id>/alerts, over REST, in InfluxDB, with Home Assistant discovery for it.
 */
import { topics } from '@dinmeter/shared';
import mqtt from 'mqtt';
import { eventually, SimulatedRig } from '../rig/simulated-rig';

jest.setTimeout(180_000);

const METER = 'am-1';
const DAY = 86_400_000;
const MIN = 60_000;
const STEP_MS = 2 * MIN;

/** Fridge power at t: 25 min on at 80 W, 40 min off; runs 60 % longer from `longerFrom`. */
function fridgeW(t: number, from: number, longerFrom: number): number {
  let start = from;
  for (let k = 0; ; k++) {
    const on = 25 * MIN * (1 + 0.04 * Math.sin(k * 2.399)) * (start >= longerFrom ? 1.6 : 1);
    const cycle = on + 40 * MIN * (1 + 0.04 * Math.sin(k * 1.7));
    if (t < start + cycle) return t < start + on ? 80 : 0;
    start += cycle;
  }
}

function reading(circuit: number, powerW: number) {
  return { circuit, voltage_v: 230, current_a: powerW / 230, power_w: powerW, reactive_var: 0, apparent_va: powerW, pf: powerW > 0 ? 0.9 : 0, freq_hz: 50, energy_import_wh: 0, energy_export_wh: 0 };
}

describe('appliances and anomalies against the real backend', () => {
  const rig = new SimulatedRig();
  const alerts: any[] = [];
  const retained = new Map<string, string>();

  beforeAll(async () => {
    await rig.start();
    const observer = await mqtt.connectAsync(rig.backendUrl, { clientId: 'observer-appliances', reconnectPeriod: 0 });
    observer.on('message', (topic, payload) => {
      if (topic === topics.alerts(METER)) alerts.push(JSON.parse(payload.toString()));
      else retained.set(topic, payload.toString());
    });
    await observer.subscribeAsync({ [topics.alerts(METER)]: { qos: 1 }, 'homeassistant/#': { qos: 1 }, [`dinmeter/${METER}/appliances/#`]: { qos: 1 } });

    const meter = await mqtt.connectAsync(rig.mqttUrl, { clientId: METER, ...(await rig.deviceLogin(METER)), reconnectPeriod: 0 });
    const end = Math.floor(Date.now() / STEP_MS) * STEP_MS;
    const from = end - 5 * DAY;
    let seq = 1;
    let inFlight: Promise<unknown>[] = [];
    for (let t = from; t <= end; t += STEP_MS) {
      const record = { v: 1, seq: seq++, ts: t, interval_s: STEP_MS / 1000, acked_seq: 0, circuits: [reading(1, 0), reading(4, fridgeW(t, from, end - DAY))] };
      // A window of QoS 1 publishes in flight: one client's messages keep their order.
      inFlight.push(meter.publishAsync(topics.telemetry(METER), JSON.stringify(record), { qos: 1 }));
      if (inFlight.length >= 100) {
        await Promise.all(inFlight);
        inFlight = [];
      }
    }
    await Promise.all(inFlight);
    await meter.endAsync();
    await eventually(async () => (await rig.rest('GET', `/devices/${METER}`)).body?.lastTelemetrySeq === seq - 1, 60_000, 'all telemetry ingested');
    (globalThis as any).observer = observer;
  });

  afterAll(async () => {
    await (globalThis as any).observer?.endAsync();
    await rig.stop();
  });

  it('should find the fridge as a candidate and raise long_runs on the last day', async () => {
    const { status, body } = await rig.rest('GET', `/devices/${METER}/circuits/4/appliances`);
    expect(status).toBe(200);
    expect(body.appliances).toHaveLength(1);
    expect(body.appliances[0]).toMatchObject({ id: 'a1', name: null, cyclic: true, signature: { powerW: 80 } });
    expect(body.appliances[0].runs).toBeGreaterThan(80);
    const mqttAlert = await eventually(async () => alerts.find((a) => a.kind === 'long_runs'), 10_000, 'long_runs on the alerts topic');
    expect(mqttAlert).toMatchObject({ v: 1, circuit: 4, appliance: 'a1', evidence: { metric: 'duration_s' } });
    expect(mqttAlert.evidence.now / mqttAlert.evidence.baseline).toBeGreaterThan(1.2);
    expect(alerts.map((a) => a.kind)).toEqual(['long_runs']);
    const rest = await rig.rest('GET', `/devices/${METER}/alerts`);
    expect(rest.body.map((a: any) => a.id)).toEqual([mqttAlert.id]);
  });

  it('should let a user name the fridge, then publish its Home Assistant sensors and state', async () => {
    const named = await rig.rest('PUT', `/devices/${METER}/circuits/4/appliances/a1`, { name: 'Fridge' });
    expect(named.status).toBe(200);
    expect(named.body).toMatchObject({ id: 'a1', name: 'Fridge' });
    const config = await eventually(async () => retained.get(`homeassistant/sensor/dinmeter_${METER}_c4_a1_energy/config`), 10_000, 'discovery of the fridge');
    expect(JSON.parse(config)).toMatchObject({ name: 'Fridge energy', state_topic: `dinmeter/${METER}/appliances/4/a1`, device_class: 'energy' });
    expect(retained.has(`homeassistant/event/dinmeter_${METER}_alerts/config`)).toBe(true);
    const state = await eventually(async () => retained.get(`dinmeter/${METER}/appliances/4/a1`), 10_000, 'fridge state');
    expect(JSON.parse(state)).toMatchObject({ name: 'Fridge', state: expect.stringMatching(/^(running|idle)$/) });
    expect((await rig.rest('GET', `/devices/${METER}/circuits/4/appliances`)).body.appliances[0].name).toBe('Fridge');
  });

  it('should refuse bad names, ids and unknown appliances and change nothing', async () => {
    expect((await rig.rest('PUT', `/devices/${METER}/circuits/4/appliances/a1`, { name: '' })).status).toBe(400);
    expect((await rig.rest('PUT', `/devices/${METER}/circuits/4/appliances/a1`, { name: 'x', admin: true })).status).toBe(400);
    expect((await rig.rest('PUT', `/devices/${METER}/circuits/4/appliances/..%2Fa1`, { name: 'x' })).status).toBe(400);
    expect((await rig.rest('PUT', `/devices/${METER}/circuits/4/appliances/a9`, { name: 'x' })).status).toBe(404);
    expect((await rig.rest('PUT', `/devices/${METER}/circuits/11/appliances/a1`, { name: 'x' })).status).toBe(400);
    expect((await rig.rest('GET', `/devices/${METER}/circuits/4/appliances`)).body.appliances[0].name).toBe('Fridge');
  });

  it("should show and take a circuit's tuning, refusing values out of range", async () => {
    const before = await rig.rest('GET', `/devices/${METER}/circuits/4/anomaly-settings`);
    expect(before.body).toMatchObject({ scoreThreshold: 4, minChange: { durationS: 0.2 }, muted: [] });
    expect((await rig.rest('PUT', `/devices/${METER}/circuits/4/anomaly-settings`, { scoreThreshold: 1 })).status).toBe(400);
    expect((await rig.rest('PUT', `/devices/${METER}/circuits/4/anomaly-settings`, { muted: ['everything'] })).status).toBe(400);
    expect((await rig.rest('PUT', `/devices/${METER}/circuits/4/anomaly-settings`, { minChange: { durationS: -1 } })).status).toBe(400);
    const tuned = await rig.rest('PUT', `/devices/${METER}/circuits/4/anomaly-settings`, { scoreThreshold: 6, minChange: { durationS: 0.3 }, muted: ['standby_creep'] });
    expect(tuned.status).toBe(200);
    expect(tuned.body).toMatchObject({ scoreThreshold: 6, minChange: { durationS: 0.3, powerW: 0.1 }, muted: ['standby_creep'] });
  });

  it('should store runs and the alert in InfluxDB', async () => {
    const runs = await rig.influxQuery(`SELECT count("energy_wh") FROM "rp_history"."appliance_run" WHERE "device" = '${METER}' AND "circuit" = '4'`);
    expect(Number(runs[0]?.count)).toBeGreaterThan(80);
    const anomalies = await rig.influxQuery(`SELECT "score", "kind" FROM "rp_history"."anomaly" WHERE "device" = '${METER}'`);
    expect(anomalies).toHaveLength(1);
    expect(anomalies[0]).toMatchObject({ kind: 'long_runs' });
  });
});
