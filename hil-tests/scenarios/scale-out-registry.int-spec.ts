/**
 * Two backend processes behind Debian's Mosquitto with a shared telemetry subscription
 * (MQTT_SHARE_GROUP): each record reaches one instance, yet both answer `GET /api/devices/<id>` with
 * the same latest readings and gap count (docs/scaling.md, "Several backend instances").
 * The test plays two meters itself so it can leave a hole in one meter's seqs on purpose.
 */
import { encodeMessage, PROTOCOL_VERSION, TelemetryMessage, topics } from '@dinmeter/shared';
import mqtt, { MqttClient } from 'mqtt';
import { createRig, describeWith, eventually, simulated } from '../rig';

jest.setTimeout(120_000);

interface DeviceView {
  lastTelemetrySeq?: number;
  telemetryGaps?: number;
  circuits: { circuit: number; reading?: { power_w: number } }[];
}

const RECORDS = 40;
/** Never sent by GAPPY: the hole made on purpose. */
const SKIPPED = [21, 22];
const GAPPY = 'vm-31';
const STEADY = 'vm-32';
const TS0 = Date.now() - 3600_000;

function record(seq: number): TelemetryMessage {
  const circuits = Array.from({ length: 10 }, (_, k) => ({
    circuit: k + 1,
    voltage_v: 230,
    current_a: 1,
    power_w: seq * 10 + k,
    reactive_var: 0,
    apparent_va: 230,
    pf: 1,
    freq_hz: 50,
    energy_import_wh: 1000 + seq,
    energy_export_wh: 0,
  }));
  return { v: PROTOCOL_VERSION, seq, ts: TS0 + seq * 10_000, interval_s: 10, acked_seq: 0, circuits };
}

const selected = createRig({ externalBroker: true, backendEnv: { MQTT_SHARE_GROUP: 'ingest' } });

describeWith(selected, ['second-backend'])('scale-out registry: both instances show the same readings and gaps', () => {
  const rig = simulated(selected);
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    await rig.start();
    await rig.startSecondBackend();
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync()));
    await rig.stop();
  });

  async function playMeter(id: string, skip: number[]): Promise<void> {
    const client = await mqtt.connectAsync(rig.mqttUrl, { clientId: id, ...(await rig.deviceLogin(id)), clean: true });
    clients.push(client);
    // QoS 1 one after another: the broker hands them to the share group members in turn.
    for (let seq = 1; seq <= RECORDS; seq++) {
      if (!skip.includes(seq)) await client.publishAsync(topics.telemetry(id), Buffer.from(encodeMessage('telemetry', record(seq))), { qos: 1 });
    }
  }

  it('should agree on the latest readings and count the hole once on both instances', async () => {
    await Promise.all([playMeter(GAPPY, SKIPPED), playMeter(STEADY, [])]);

    const views = async (id: string) => [
      (await rig.rest<DeviceView>('GET', `/devices/${id}`)).body,
      (await rig.restSecond<DeviceView>('GET', `/devices/${id}`)).body,
    ];
    const summary = (v: DeviceView) => ({ seq: v.lastTelemetrySeq, gaps: v.telemetryGaps ?? 0, power: v.circuits.map((c) => c.reading?.power_w) });
    const expected = (gaps: number) => ({ seq: RECORDS, gaps, power: record(RECORDS).circuits.map((c) => c.power_w) });

    // The gap counts once it is still open 5 s after it was seen (SHARED_GAP_CONFIRM_MS).
    const [gappy, steady] = await eventually(async () => {
      const both = [(await views(GAPPY)).map(summary), (await views(STEADY)).map(summary)];
      return both[0].every((v) => v.gaps === 1) && both.flat().every((v) => v.seq === RECORDS) ? both : undefined;
    }, 60_000, 'both instances at seq 40 with the gap counted');
    // A few more seconds: a hole another instance saw must not count twice.
    await new Promise((resolve) => setTimeout(resolve, 6000));
    const later = [(await views(GAPPY)).map(summary), (await views(STEADY)).map(summary)];

    const metrics = [(await rig.rest('GET', '/metrics')).body, (await rig.restSecond('GET', '/metrics')).body] as Record<string, number>[];
    process.stdout.write(
      `scale-out registry: stored ${metrics.map((m) => m.telemetry_stored ?? 0).join(' + ')}, gaps counted per instance ${metrics.map((m) => m.telemetry_gaps ?? 0).join(' + ')}\n`,
    );
    // Both instances stored a share, so neither saw every record itself.
    expect(metrics.every((m) => (m.telemetry_stored ?? 0) > 0 && (m.telemetry_stored ?? 0) < 2 * RECORDS - SKIPPED.length)).toBe(true);
    expect(gappy).toEqual([expected(1), expected(1)]);
    expect(steady).toEqual([expected(0), expected(0)]);
    expect(later).toEqual([gappy, steady]);
  });
});
