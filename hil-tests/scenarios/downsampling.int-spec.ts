/**
 * Downsampling on a fresh InfluxDB 1.6: the backend creates its retention policies and continuous
 * queries itself at start, a second start changes nothing, and records a meter replays long after
 * their time (older than any CQ window) still reach rp_1m and rp_15m with the right values.
 * The replay is what a meter sends after an outage: telemetry with old `ts` on its own topic.
 */
import { encodeMessage, PROTOCOL_VERSION, TelemetryMessage, topics } from '@dinmeter/shared';
import mqtt from 'mqtt';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRig, describeWith, eventually, simulated } from '../rig';

jest.setTimeout(180_000);

const MINUTE = 60_000;
const QUARTER = 15 * MINUTE;
const DEVICE = 'vm-7';

// A fresh database of its own and a backend it restarts: the simulated rig's.
const selected = createRig();

describeWith(selected, ['backend-restart', 'influx-restart'])('downsampling: policies and CQs at start, late records in every tier', () => {
  const rig = simulated(selected);

  beforeAll(async () => {
    await rig.start();
  });
  afterAll(async () => {
    await rig.stop();
  });

  const schema = async () => ({
    policies: (await rig.influxQuery('SHOW RETENTION POLICIES ON "dinmeter"')).map((p) => [p.name, p.duration, p.default]),
    cqs: (await rig.influxQuery('SHOW CONTINUOUS QUERIES')).map((c) => [c.name, c.query]),
  });

  it('should create the policies and continuous queries on a fresh database, and change nothing on a second start', async () => {
    await rig.backend.waitFor(/retention policies and continuous queries ready/, 30_000);
    // Raw kept 30 days (INFLUX_RAW_RETENTION default), applied once nothing waits for downsampling.
    const first = await eventually(async () => {
      const s = await schema();
      return s.policies.find((p) => p[0] === 'autogen')?.[1] === '720h0m0s' ? s : undefined;
    }, 30_000, 'raw retention applied');
    expect(first.policies).toEqual([
      ['autogen', '720h0m0s', true],
      ['rp_history', '0s', false],
      ['rp_1m', '9600h0m0s', false],
      ['rp_15m', '0s', false],
    ]);
    expect(first.cqs.map(([name]) => name)).toEqual(['cq_circuit_1m', 'cq_circuit_15m']);
    expect(first.cqs[0][1]).toMatch(/RESAMPLE EVERY 1m FOR 3m BEGIN SELECT mean\(voltage_v\) AS voltage_v, .* INTO dinmeter\.rp_1m\.circuit FROM dinmeter\.autogen\.circuit GROUP BY time\(1m\), device, circuit END$/);
    expect(first.cqs[1][1]).toMatch(/RESAMPLE EVERY 15m FOR 1h BEGIN .* max\(power_w_max\) AS power_w_max INTO dinmeter\.rp_15m\.circuit FROM dinmeter\.rp_1m\.circuit /);

    await rig.backend.stop();
    await rig.startBackend();
    await rig.backend.waitFor(/retention policies and continuous queries ready \(0 change\(s\)\)/, 30_000);
    expect(await schema()).toEqual(first);
    expect(rig.backend.text).not.toMatch(/(CREATE|ALTER|DROP) (RETENTION|CONTINUOUS)/);
  });

  it('should fold records replayed hours and days after their time into rp_1m and rp_15m', async () => {
    // Two quarter hours of 10-s records: one 3 hours ago, one 2 days ago; power ramps 0, 1, 2, … W.
    const now = Date.now();
    const quarters = [Math.floor((now - 3 * 3600e3) / QUARTER) * QUARTER, Math.floor((now - 2 * 86400e3) / QUARTER) * QUARTER];
    const messages: TelemetryMessage[] = [];
    let seq = 0;
    for (const q0 of quarters.slice().reverse()) {
      for (let k = 0; k < 90; k++) {
        seq++;
        const circuit = { circuit: 2, voltage_v: 230, current_a: k / 230, power_w: k, reactive_var: 0, apparent_va: k, pf: 1, freq_hz: 50, energy_import_wh: 1000 + k, energy_export_wh: 0 };
        messages.push({ v: PROTOCOL_VERSION, seq, ts: q0 + k * 10_000, interval_s: 10, acked_seq: 0, circuits: [circuit] });
      }
    }
    const client = await mqtt.connectAsync(rig.mqttUrl, { clientId: DEVICE, ...(await rig.deviceLogin(DEVICE)), clean: true });
    let acked = 0;
    await client.subscribeAsync(topics.telemetryAck(DEVICE), { qos: 1 });
    client.on('message', (_topic, payload) => (acked = Math.max(acked, (JSON.parse(payload.toString()) as { upto_seq: number }).upto_seq)));
    try {
      for (const message of messages) await client.publishAsync(topics.telemetry(DEVICE), Buffer.from(encodeMessage('telemetry', message)), { qos: 1 });
      await eventually(async () => acked === seq || undefined, 30_000, `ack of all ${seq} records`);
    } finally {
      await client.endAsync();
    }

    // Minute m of a quarter holds k = 6m … 6m+5: mean 6m+2.5, peak 6m+5, last counter 1000+6m+5.
    const where = `"device" = '${DEVICE}' AND "circuit" = '2'`;
    for (const q0 of quarters) {
      const range = `time >= ${q0}ms AND time < ${q0 + QUARTER}ms`;
      const minutes = await eventually(async () => {
        const rows = await rig.influxQuery(`SELECT "power_w", "power_w_max", "energy_import_wh", "voltage_v" FROM "rp_1m"."circuit" WHERE ${where} AND ${range}`);
        return rows.length === 15 ? rows : undefined;
      }, 60_000, `15 one-minute points from ${new Date(q0).toISOString()}`);
      expect(minutes.map((r) => r.time)).toEqual(Array.from({ length: 15 }, (_, m) => q0 + m * MINUTE));
      expect(minutes[3]).toEqual({ time: q0 + 3 * MINUTE, power_w: 20.5, power_w_max: 23, energy_import_wh: 1023, voltage_v: 230 });
      const quarter = await eventually(async () => {
        const rows = await rig.influxQuery(`SELECT "power_w", "power_w_max", "energy_import_wh" FROM "rp_15m"."circuit" WHERE ${where} AND ${range}`);
        return rows.length === 1 ? rows : undefined;
      }, 60_000, `the 15-minute point of ${new Date(q0).toISOString()}`);
      expect(quarter).toEqual([{ time: q0, power_w: 44.5, power_w_max: 89, energy_import_wh: 1089 }]);
    }
    // Nothing left to recompute: the note of the late slots is cleared once they are done.
    await eventually(async () => /"ranges": \[\]/.test(readFileSync(join(rig.dir, 'backend-data', 'downsampling.json'), 'utf8')) || undefined, 30_000, 'pending ranges cleared');
  });
});
