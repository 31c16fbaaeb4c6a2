/**
 * Home Assistant MQTT discovery against real servers: the backend process with its embedded broker,
 * influxd, and one virtual meter. Home Assistant itself is played by an MQTT client that does what
 * it does: subscribe to homeassistant/#, publish its birth message, press a switch (ON/OFF on the
 * switch's command_topic).
 */
import { CIRCUIT_COUNT, encodeMessage, PROTOCOL_VERSION, topics } from '@dinmeter/shared';
import mqtt, { MqttClient } from 'mqtt';
import { createRig, describeWith, eventually, simulated } from '../rig';

jest.setTimeout(180_000);

interface Seen {
  payload: string;
  retain: boolean;
}

async function observe(url: string, clientId: string, filter: string): Promise<{ client: MqttClient; seen: Map<string, Seen> }> {
  const client = await mqtt.connectAsync(url, { clientId, reconnectPeriod: 0 });
  const seen = new Map<string, Seen>();
  client.on('message', (topic, payload, packet) => seen.set(topic, { payload: payload.toString(), retain: packet.retain }));
  await client.subscribeAsync(filter, { qos: 1 });
  return { client, seen };
}

/** The meter's discovery configs of this module (the anomaly event entity is the appliances module's). */
const configsOf = (seen: Map<string, Seen>, meter: string) =>
  [...seen.entries()].filter(([topic, m]) => topic.includes(`/dinmeter_${meter}_`) && !topic.includes('/event/') && m.payload !== '');
/** Per meter: 2 supply sensors and the firmware update entity, per circuit 7 sensors, a switch, a binary sensor and a button; 21 device triggers. */
const ENTITIES = 3 + CIRCUIT_COUNT * 11;
const TRIGGERS = 2 * CIRCUIT_COUNT + 1;

const selected = createRig();

describeWith(selected, ['named-meters'])('Home Assistant discovery and relay switches', () => {
  const rig = simulated(selected);
  // Home Assistant's own client id is 22 random base62 characters: it looks like a device id to the ACL.
  const haClientId = '4fZq81LmXw0a9TbN2cVd7e';
  /** The broker URL with Home Assistant's login (its own identity: docs/security.md). */
  let haUrl = '';

  beforeAll(async () => {
    await rig.start();
    haUrl = rig.urlWith(await rig.mqttLogin('homeassistant'));
    await rig.startMeters({ count: 1, intervalS: 1 });
    await eventually(async () => (await rig.rest('GET', '/devices/vm-1')).body?.online, 60_000, 'vm-1 online');
  });

  afterAll(async () => {
    await rig.stop();
  });

  it('should offer retained configs: 113 entities (83 enabled) and 21 device triggers, available with meter and backend', async () => {
    // The backend publishes the configs once the meter is online: a subscriber during that gets some of
    // them live (retain 0). Wait until all are out, then a new subscriber must get every one retained.
    const early = await observe(haUrl, 'ha-observer-0', 'homeassistant/#');
    await eventually(async () => configsOf(early.seen, 'vm-1').length === ENTITIES + TRIGGERS || undefined, 30_000, `${ENTITIES + TRIGGERS} discovery configs published for vm-1`);
    await early.client.endAsync();
    const { client, seen } = await observe(haUrl, 'ha-observer-1', 'homeassistant/#');
    const configs = await eventually(async () => {
      const found = configsOf(seen, 'vm-1');
      return found.length === ENTITIES + TRIGGERS ? found : undefined;
    }, 30_000, `${ENTITIES + TRIGGERS} discovery configs for vm-1`);
    await client.endAsync();

    expect(configs.every(([, m]) => m.retain)).toBe(true);
    const entities = configs.filter(([topic]) => !topic.includes('/device_automation/')).map(([, m]) => JSON.parse(m.payload));
    expect(entities).toHaveLength(ENTITIES);
    expect(entities.filter((c) => c.enabled_by_default !== false)).toHaveLength(3 + CIRCUIT_COUNT * 8);
    process.stdout.write(`Home Assistant: ${entities.length} entities per meter (${entities.filter((c) => c.enabled_by_default !== false).length} enabled), ${TRIGGERS} device triggers\n`);
    for (let circuit = 1; circuit <= CIRCUIT_COUNT; circuit++) {
      const sw = seen.get(`homeassistant/switch/dinmeter_vm-1_c${circuit}_relay/config`);
      expect(JSON.parse(sw!.payload)).toMatchObject({
        command_topic: `dinmeter/vm-1/ha/${circuit}/set`,
        state_topic: 'dinmeter/vm-1/relays',
        availability_mode: 'all',
        availability: [{ topic: 'dinmeter/vm-1/status' }, { topic: 'dinmeter/backend/status', payload_available: 'online' }],
      });
      const energy = JSON.parse(seen.get(`homeassistant/sensor/dinmeter_vm-1_c${circuit}_energy_import_wh/config`)!.payload);
      expect(energy).toMatchObject({ device_class: 'energy', state_class: 'total_increasing', unit_of_measurement: 'kWh' });
      const angle = JSON.parse(seen.get(`homeassistant/sensor/dinmeter_vm-1_c${circuit}_angle_deg/config`)!.payload);
      expect(angle).toMatchObject({ unit_of_measurement: '°', state_class: 'measurement', entity_category: 'diagnostic', enabled_by_default: false });
      // The ten copies of the supply voltage and frequency of earlier versions are gone.
      expect(seen.get(`homeassistant/sensor/dinmeter_vm-1_c${circuit}_voltage_v/config`)).toBeUndefined();
    }
    expect(JSON.parse(seen.get('homeassistant/sensor/dinmeter_vm-1_voltage_v/config')!.payload)).toMatchObject({ device_class: 'voltage', unit_of_measurement: 'V' });
    const power = JSON.parse(seen.get('homeassistant/sensor/dinmeter_vm-1_c1_power_w/config')!.payload);
    expect(power.device).toMatchObject({ identifiers: ['dinmeter_vm-1'], manufacturer: 'dinmeter' });
    expect(typeof power.device.sw_version).toBe('string');

    const backend = await observe(haUrl, 'ha-observer-5', 'dinmeter/backend/status');
    const status = await eventually(async () => backend.seen.get('dinmeter/backend/status'), 5000, 'retained backend status');
    await backend.client.endAsync();
    expect(status).toEqual({ payload: 'online', retain: true });
  });

  it('should switch a relay on and off from the switch command topic, with acked commands', async () => {
    const { client: ha, seen } = await observe(haUrl, haClientId, 'dinmeter/vm-1/relays');
    const relay3 = () => {
      const relays = seen.get('dinmeter/vm-1/relays');
      return relays ? (JSON.parse(relays.payload).circuits as { circuit: number; state: string }[]).find((c) => c.circuit === 3) : undefined;
    };
    const initial = await eventually(async () => relay3(), 10_000, 'retained relays of vm-1');

    // Both ways, starting with the change (the power-on state may be on or off).
    const steps = [['OFF', 'off'], ['ON', 'on']] as const;
    for (const [payload, state] of initial.state === 'on' ? steps : [...steps].reverse()) {
      await ha.publishAsync('dinmeter/vm-1/ha/3/set', payload, { qos: 1 });
      const command = await eventually(async () => {
        const { body } = await rig.rest<any[]>('GET', '/devices/vm-1/commands');
        return body.find((c) => c.body.op === 'relay' && c.body.circuit === 3 && c.body.state === state && c.status === 'acked');
      }, 30_000, `acked relay ${state} command for circuit 3`);
      expect(command.state).toBe(state);
      await eventually(async () => relay3()?.state === state, 30_000, `relays topic showing circuit 3 ${state}`);
      expect(relay3()).toMatchObject({ state, reason: 'command' });
    }
    expect(ha.connected).toBe(true); // the broker did not refuse the publish (a refusal drops the client)
    await ha.endAsync();
  });

  it('should refuse anonymous clients and a client with a wrong password', async () => {
    await expect(mqtt.connectAsync(rig.mqttUrl, { clientId: 'anonymous', reconnectPeriod: 0 })).rejects.toThrow(/Not authorized/i);
    const wrong = rig.urlWith({ username: 'homeassistant', password: 'guessed' });
    await expect(mqtt.connectAsync(wrong, { clientId: 'guesser', reconnectPeriod: 0 })).rejects.toThrow(/Bad username or password/i);
  });

  it('should drop Home Assistant replacing a retained discovery config, which stays', async () => {
    const topic = 'homeassistant/switch/dinmeter_vm-1_c3_relay/config';
    const ha = await mqtt.connectAsync(haUrl, { clientId: 'ha-rogue', reconnectPeriod: 0 });
    const closed = new Promise<void>((resolve) => ha.once('close', () => resolve()));
    ha.publish(topic, JSON.stringify({ command_topic: 'dinmeter/vm-1/cmd' }), { qos: 0, retain: true });
    await closed;
    ha.end(true);
    const { client, seen } = await observe(haUrl, 'ha-observer-4', topic);
    await eventually(async () => seen.get(topic), 5000, 'retained config');
    await client.endAsync();
    expect(JSON.parse(seen.get(topic)!.payload).command_topic).toBe('dinmeter/vm-1/ha/3/set');
  });

  it('should ignore a payload other than ON/OFF, and drop a client that writes the meter cmd topic', async () => {
    const before = (await rig.rest<any[]>('GET', '/devices/vm-1/commands')).body.length;
    const ha = await mqtt.connectAsync(haUrl, { clientId: 'ha-other', reconnectPeriod: 0 });
    await ha.publishAsync('dinmeter/vm-1/ha/5/set', 'TOGGLE', { qos: 1 });
    await eventually(async () => (await rig.rest('GET', '/metrics')).body.ha_commands_rejected >= 1, 10_000, 'TOGGLE rejected');
    const closed = new Promise<void>((resolve) => ha.once('close', () => resolve()));
    ha.publish('dinmeter/vm-1/cmd', '{}', { qos: 0 });
    await closed;
    ha.end(true);
    expect((await rig.rest<any[]>('GET', '/devices/vm-1/commands')).body.length).toBe(before);
  });

  it('should publish the configs again when Home Assistant announces itself online', async () => {
    const topic = 'homeassistant/switch/dinmeter_vm-1_c7_relay/config';
    // A broker that lost its retained messages: the config is gone (only the backend may clear it).
    const wiper = await mqtt.connectAsync(rig.backendUrl, { clientId: 'retained-wipe', reconnectPeriod: 0 });
    await wiper.publishAsync(topic, '', { qos: 1, retain: true });
    await wiper.endAsync();
    const ha = await mqtt.connectAsync(haUrl, { clientId: haClientId, reconnectPeriod: 0 });
    const gone = await observe(haUrl, 'ha-observer-2', topic);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(gone.seen.has(topic)).toBe(false);
    await gone.client.endAsync();

    await ha.publishAsync('homeassistant/status', 'online', { qos: 1 });
    // A fresh subscriber gets it with the retain flag only if the broker kept it.
    const config = await eventually(async () => {
      const back = await observe(haUrl, 'ha-observer-3', topic);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await back.client.endAsync();
      const message = back.seen.get(topic);
      return message?.retain && message.payload !== '' ? message : undefined;
    }, 10_000, 'config re-published, retained');
    expect(JSON.parse(config.payload).unique_id).toBe('dinmeter_vm-1_c7_relay');
    await ha.endAsync();
  });
  it('should turn a trip into the binary sensor, fire the step change and trip triggers, and reset it with the button', async () => {
    const configOf = async (topic: string) => {
      const { client, seen } = await observe(haUrl, `ha-observer-${topic.split('/')[1]}`, topic);
      const message = await eventually(async () => seen.get(topic), 5000, topic);
      await client.endAsync();
      return JSON.parse(message.payload);
    };
    const sensor = await configOf('homeassistant/binary_sensor/dinmeter_vm-1_c7_tripped/config');
    const button = await configOf('homeassistant/button/dinmeter_vm-1_c7_reset_trip/config');
    const stepTrigger = await configOf('homeassistant/device_automation/dinmeter_vm-1_trigger_c7_step_change/config');
    const tripTrigger = await configOf('homeassistant/device_automation/dinmeter_vm-1_trigger_c7_protection_trip/config');
    expect(sensor).toMatchObject({ device_class: 'problem', state_topic: 'dinmeter/vm-1/relays' });
    expect(sensor.value_template).toContain('c.tripped');

    const put = await rig.rest('PUT', '/devices/vm-1/circuits/7/config', { overcurrentA: 10, overcurrentDelayMs: 1000 });
    expect(put.status).toBe(200);
    await eventually(async () => (await rig.rest('GET', '/devices/vm-1/circuits/7/config')).body.inSync, 20_000, 'circuit 7 config in sync');

    // Home Assistant's view: the binary sensor's state topic and the device triggers' topic.
    const ha = await observe(haUrl, haClientId, sensor.state_topic);
    const fired: Record<string, unknown>[] = [];
    ha.client.on('message', (topic, payload) => {
      if (topic === stepTrigger.topic) fired.push(JSON.parse(payload.toString()));
    });
    await ha.client.subscribeAsync(stepTrigger.topic, { qos: 1 });
    const circuit7 = () => (JSON.parse(ha.seen.get(sensor.state_topic)!.payload).circuits as { circuit: number; tripped?: boolean }[]).find((c) => c.circuit === 7);
    await eventually(async () => ha.seen.has(sensor.state_topic), 10_000, 'retained relays');
    expect(circuit7()?.tripped ?? false).toBe(false);

    await rig.forceCurrent('vm-1', 7, 15);
    await eventually(async () => circuit7()?.tripped === true, 20_000, 'circuit 7 tripped on the relays topic');
    // What the device triggers match: value_template {{ value_json.trigger }} against payload.
    const step = await eventually(async () => fired.find((m) => m.trigger === stepTrigger.payload), 20_000, 'step change trigger');
    expect(step).toMatchObject({ type: 'step_change', circuit: 7 });
    expect(await eventually(async () => fired.find((m) => m.trigger === tripTrigger.payload), 10_000, 'trip trigger')).toMatchObject({ type: 'protection_trip', circuit: 7 });
    await rig.forceCurrent('vm-1', 7, null);

    await ha.client.publishAsync(button.command_topic, button.payload_press, { qos: 1 });
    const reset = await eventually(async () => {
      const { body } = await rig.rest<any[]>('GET', '/devices/vm-1/commands');
      return body.find((c) => c.body.op === 'reset_trip' && c.body.circuit === 7 && c.status === 'acked');
    }, 30_000, 'acked reset_trip command for circuit 7');
    expect(reset).toBeDefined();
    await eventually(async () => circuit7()?.tripped === false, 20_000, 'circuit 7 no longer tripped');
    expect(ha.client.connected).toBe(true); // the broker let Home Assistant press the button
    await ha.client.endAsync();
  });

  it('should clear every config of a removed meter, keep them cleared through its last will, and discover it again at its birth', async () => {
    await rig.stopMeters();
    await eventually(async () => (await rig.rest('GET', '/devices/vm-1')).body?.online === false, 30_000, 'vm-1 offline');
    expect((await rig.rest('DELETE', '/devices/vm-1')).status).toBe(204);
    expect((await rig.rest('GET', '/devices/vm-1')).status).toBe(404);
    expect((await rig.rest('DELETE', '/devices/vm-1')).status).toBe(404);
    // The broker may deliver the stopped meter's last will after the DELETE (under load it did, and the will
    // registered the meter again): played here for certain, by a client with the meter's login.
    const meter = await mqtt.connectAsync(rig.mqttUrl, { clientId: 'vm-1', ...(await rig.deviceLogin('vm-1')), reconnectPeriod: 0 });
    const status = (online: boolean) => meter.publishAsync(topics.status('vm-1'), encodeMessage('status', { v: PROTOCOL_VERSION, online }), { qos: 1, retain: true });
    const { client, seen } = await observe(haUrl, 'ha-observer-6', 'homeassistant/#');
    try {
      await status(false);
      // Retained configs still standing arrive right after the subscription; the clears go out paced behind
      // other discovery traffic, each an empty config on the same topic.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await eventually(async () => configsOf(seen, 'vm-1').length === 0, 15_000, `every config of vm-1 cleared`);
      expect((await rig.rest('GET', '/devices/vm-1')).status).toBe(404);
      expect(configsOf(seen, 'vm-1')).toEqual([]);

      await status(true);
      await eventually(async () => configsOf(seen, 'vm-1').length === ENTITIES + TRIGGERS, 15_000, 'vm-1 discovered again');
      expect((await rig.rest('GET', '/devices/vm-1')).body?.online).toBe(true);
    } finally {
      await client.endAsync();
      await meter.endAsync();
    }
  });
});
