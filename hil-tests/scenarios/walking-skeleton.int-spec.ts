/**
 * The walking skeleton end to end. On the simulated rig: influxd (Debian 1.6), the backend process
 * with its embedded aedes broker, and 3 virtual meters reading simulated loads through the ATM90E26
 * driver and chip model. On a bench (HIL_RIG=bench): the bench's backend and 3 of its meters, the
 * load and the relay sense inputs on the meter in the fixture.
 */
import { topics } from '@dinmeter/shared';
import mqtt from 'mqtt';
import { createRig, eventually, itWith, simulated } from '../rig';

jest.setTimeout(180_000);

describe('walking skeleton: meters → MQTT → backend → InfluxDB, relay commands back', () => {
  const rig = createRig();
  const setup = { count: 3, intervalS: 1 };
  const ids = () => rig.meterIds;

  beforeAll(async () => {
    await rig.start();
    await rig.startMeters(setup);
  });

  afterAll(async () => {
    await rig.stop();
  });

  itWith(rig, ['clean-stop'])('should store every record of 3 meters × 10 circuits exactly once, by seq', async () => {
    await eventually(async () => {
      const { body } = await rig.rest<any[]>('GET', '/devices');
      return body.length === 3 && body.every((d) => d.online && d.lastTelemetrySeq >= 5);
    }, 60_000, '3 online meters with 5 records each');

    // A clean stop waits for the last acks and prints each meter's final seq and acked seq.
    await rig.stopMeters();
    const summary = [...simulated(rig).meters.text.matchAll(/meter (\S+) stopped: (\{.*\})/g)].map((m) => ({ id: m[1], ...JSON.parse(m[2]) }));
    expect(summary.map((s) => s.id).sort()).toEqual([...ids()].sort());

    for (const meter of summary) {
      expect(meter.backlog).toBe(0);
      const rows = await rig.influxQuery(`SELECT "seq", "power_w" FROM "circuit" WHERE "device" = '${meter.id}'`);
      expect(rows.length).toBe(meter.lastSeq * 10);
      const perSeq = new Map<number, number>();
      for (const row of rows) perSeq.set(row.seq as number, (perSeq.get(row.seq as number) ?? 0) + 1);
      expect([...perSeq.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: meter.lastSeq }, (_, k) => k + 1));
      expect([...perSeq.values()].every((n) => n === 10)).toBe(true);
    }
    await rig.startMeters(setup);
  });

  it('should store the phase angle of every circuit in InfluxDB, consistent with its active and reactive power', async () => {
    const id = ids()[0];
    const rows = await eventually(async () => {
      const found = await rig.influxQuery(
        `SELECT "angle_deg", "power_w", "reactive_var", "apparent_va" FROM "circuit" WHERE "device" = '${id}' ORDER BY time DESC LIMIT 50`,
      );
      return found.length >= 10 ? found : undefined;
    }, 60_000, 'records of the meter');
    expect(rows.every((row) => typeof row.angle_deg === 'number')).toBe(true);
    // P and Q are whole W and var: above 100 VA that bounds the angle they give to ±0.6°.
    const loaded = rows.filter((row) => (row.apparent_va as number) > 100);
    expect(loaded.length).toBeGreaterThan(0);
    for (const row of loaded) {
      const expected = (Math.atan2(row.reactive_var as number, row.power_w as number) * 180) / Math.PI;
      // Angles wrap at ±180°: compare on the circle.
      const gap = Math.abs((((row.angle_deg as number) - expected + 540) % 360) - 180);
      expect(gap).toBeLessThan(1);
    }
  });

  itWith(rig, ['power-cut'])('should show retained status with a last will, telemetry and relay state on dinmeter/#', async () => {
    const id = ids()[1];
    const client = await mqtt.connectAsync(rig.backendUrl, { clientId: 'observer-test' });
    let killed = false;
    try {
      const seen = new Map<string, { payload: string; retain: boolean }>();
      client.on('message', (topic, payload, packet) => seen.set(topic, { payload: payload.toString(), retain: packet.retain }));
      await client.subscribeAsync([topics.telemetry(id), topics.relays(id), topics.status(id)], { qos: 1 });
      await eventually(async () => seen.has(topics.telemetry(id)) && seen.has(topics.relays(id)), 30_000, 'telemetry');
      expect(seen.get(topics.status(id))?.retain).toBe(true);
      expect(JSON.parse(seen.get(topics.status(id))!.payload).online).toBe(true);
      expect(JSON.parse(seen.get(topics.relays(id))!.payload).circuits).toHaveLength(10);

      // A meter that dies without a goodbye (SIGKILL, or the bench source's output off): the broker publishes its last will.
      killed = true;
      await rig.killMeters('SIGKILL');
      await eventually(async () => JSON.parse(seen.get(topics.status(id))!.payload).online === false, 40_000, 'last will');
      // The backend takes the same will from its own subscription, in its own time.
      await eventually(async () => (await rig.rest('GET', `/devices/${id}`)).body?.online === false, 10_000, 'backend sees the meter offline');
    } finally {
      // Whatever failed above: no observer left reconnecting after the suite, and the meters back for the next tests.
      await client.endAsync(true);
      if (killed) await rig.startMeters(setup);
    }
  });

  itWith(rig, ['instruments'])('should switch a loaded circuit off through REST, get the ack, and see it draw 0 W', async () => {
    // The load on circuit 3 of the meter in the fixture: the relay must really cut it.
    const instruments = rig.instruments!;
    const id = instruments.dut;
    await eventually(async () => (await rig.rest('GET', `/devices/${id}`)).body?.online, 30_000, `${id} online`);
    const on = await rig.rest('POST', `/devices/${id}/circuits/3/relay`, { state: 'on' });
    expect(on.status).toBe(202);
    await eventually(async () => (await rig.rest('GET', `/commands/${on.body.commandId}`)).body.status === 'acked', 30_000, 'relay on');
    await instruments.applyLoad(3, { currentA: 5, pf: 1, lagging: true });
    const loadedAt = Date.now() + 1500;
    const loaded = await eventually(async () => {
      const rows = await rig.influxQuery(
        `SELECT "power_w" FROM "circuit" WHERE "device" = '${id}' AND "circuit" = '3' AND time > ${loadedAt}ms ORDER BY time DESC LIMIT 1`,
      );
      return rows[0];
    }, 30_000, 'telemetry of the loaded circuit');
    expect(loaded.power_w).toBeGreaterThan(1000);
    expect((await instruments.readReference()).currentA).toBeGreaterThan(4.9);

    const post = await rig.rest('POST', `/devices/${id}/circuits/3/relay`, { state: 'off' });
    expect(post.status).toBe(202);
    const commandId = post.body.commandId as string;
    expect(commandId).toMatch(/^[0-9a-f-]{36}$/);

    const acked = await eventually(async () => {
      const { body } = await rig.rest('GET', `/commands/${commandId}`);
      return body.status === 'acked' ? body : undefined;
    }, 30_000, 'command ack');
    expect(acked.state).toBe('off');

    // The chip's measurement registers average over a window (docs/atm90e26.md), so a reading taken
    // just after the switch may still hold some of the current before it: look one second later.
    const after = (acked.ackedAt as number) + 1000;
    const row = await eventually(async () => {
      const rows = await rig.influxQuery(
        `SELECT "power_w", "current_a" FROM "circuit" WHERE "device" = '${id}' AND "circuit" = '3' AND time > ${after}ms ORDER BY time DESC LIMIT 1`,
      );
      return rows[0];
    }, 30_000, 'telemetry after the relay switched off');
    expect(row.power_w).toBe(0);
    expect(row.current_a).toBe(0);
    expect((await instruments.readReference()).currentA).toBe(0);
    const contacts = await instruments.relayContacts();
    if (contacts) expect(contacts[2]).toBe(false);

    const circuits = (await rig.rest<any[]>('GET', `/devices/${id}/circuits`)).body;
    expect(circuits[2].relay.state).toBe('off');
    await instruments.loadOff();
  });

  it('should refuse bad REST input with 400/404 and change nothing', async () => {
    const id = ids()[0];
    const before = (await rig.rest('GET', `/devices/${id}/commands`)).body.length;
    const cases: [string, string, unknown, number][] = [
      ['POST', `/devices/${id}/circuits/3/relay`, { state: 'maybe' }, 400],
      ['POST', `/devices/${id}/circuits/0/relay`, { state: 'off' }, 400],
      ['POST', `/devices/${id}/circuits/11/relay`, { state: 'off' }, 400],
      ['POST', `/devices/${id}/circuits/x/relay`, { state: 'off' }, 400],
      ['POST', `/devices/${id}/circuits/3/relay`, { state: 'off', extra: 1 }, 400],
      ['POST', `/devices/${id}/circuits/3/relay`, '{"state": "off"', 400],
      ['POST', '/devices/no-such-meter/circuits/3/relay', { state: 'off' }, 404],
      ['GET', '/devices/no-such-meter', undefined, 404],
      ['GET', '/commands/nope', undefined, 404],
      ['GET', `/devices/${id}/circuits/3/series?field=DROP`, undefined, 400],
    ];
    for (const [method, path, body, status] of cases) {
      const response = await rig.rest(method, path, body);
      expect({ method, path, status: response.status }).toEqual({ method, path, status });
      expect(JSON.stringify(response.body)).toMatch(/message/);
    }
    expect((await rig.rest('GET', `/devices/${id}/commands`)).body.length).toBe(before);
  });

  it('should count and drop malformed MQTT payloads and keep running', async () => {
    const before = (await rig.rest('GET', '/metrics')).body;
    // A device may only publish its own topics: the broker refuses this and drops the connection.
    const impostor = await mqtt.connectAsync(rig.mqttUrl, { clientId: 'vm-8', ...(await rig.deviceLogin('vm-8')), reconnectPeriod: 0 });
    const closed = new Promise<void>((resolve) => impostor.once('close', () => resolve()));
    impostor.publish(topics.telemetry(ids()[1]), '{}', { qos: 0 });
    await closed;
    impostor.end(true);
    const fake = await mqtt.connectAsync(rig.mqttUrl, { clientId: 'vm-9', ...(await rig.deviceLogin('vm-9')) });
    await fake.publishAsync(topics.telemetry('vm-9'), 'not json', { qos: 1 });
    await fake.publishAsync(topics.telemetry('vm-9'), JSON.stringify({ v: 1, seq: 1, ts: Date.now(), interval_s: 1, circuits: [{ circuit: 11 }] }), { qos: 1 });
    await fake.publishAsync(topics.telemetry('vm-9'), 'x'.repeat(20000), { qos: 1 });
    await fake.endAsync();
    const after = await eventually(async () => {
      const { body } = await rig.rest('GET', '/metrics');
      return body.telemetry_rejected >= (before.telemetry_rejected ?? 0) + 3 ? body : undefined;
    }, 10_000, 'rejections counted');
    expect(after.broker_denied_publishes).toBeGreaterThan(before.broker_denied_publishes ?? 0);
    expect((await rig.rest('GET', '/health')).status).toBe(200);
    const rows = await rig.influxQuery(`SELECT count("power_w") FROM "circuit" WHERE "device" = 'vm-9'`);
    expect(rows).toEqual([]);
  });
});
