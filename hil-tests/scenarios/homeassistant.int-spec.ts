/**
 * Home Assistant MQTT discovery against real servers: the backend process with its embedded broker,
 * influxd, and one virtual meter. Home Assistant itself is played by an MQTT client that does what
 * it does: subscribe to homeassistant/#, publish its birth message, press a switch (ON/OFF on the
 * switch's command_topic).
 */
import { CIRCUIT_COUNT } from '@dinmeter/shared';
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

const configsOf = (seen: Map<string, Seen>, meter: string) =>
  [...seen.entries()].filter(([topic, m]) => topic.includes(`/dinmeter_${meter}_`) && m.payload !== '');

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

  it('should offer retained configs for every circuit of the meter: 9 sensors and a relay switch each', async () => {
    const { client, seen } = await observe(haUrl, 'ha-observer-1', 'homeassistant/#');
    const configs = await eventually(async () => {
      const found = configsOf(seen, 'vm-1');
      return found.length === CIRCUIT_COUNT * 10 ? found : undefined;
    }, 30_000, '100 discovery configs for vm-1');
    await client.endAsync();

    expect(configs.every(([, m]) => m.retain)).toBe(true);
    for (let circuit = 1; circuit <= CIRCUIT_COUNT; circuit++) {
      const sw = seen.get(`homeassistant/switch/dinmeter_vm-1_c${circuit}_relay/config`);
      expect(JSON.parse(sw!.payload)).toMatchObject({
        command_topic: `dinmeter/vm-1/ha/${circuit}/set`,
        state_topic: 'dinmeter/vm-1/relays',
        availability_topic: 'dinmeter/vm-1/status',
      });
      const energy = JSON.parse(seen.get(`homeassistant/sensor/dinmeter_vm-1_c${circuit}_energy_import_wh/config`)!.payload);
      expect(energy).toMatchObject({ device_class: 'energy', state_class: 'total_increasing', unit_of_measurement: 'Wh' });
    }
    const power = JSON.parse(seen.get('homeassistant/sensor/dinmeter_vm-1_c1_power_w/config')!.payload);
    expect(power.device).toMatchObject({ identifiers: ['dinmeter_vm-1'], manufacturer: 'dinmeter' });
    expect(typeof power.device.sw_version).toBe('string');
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
});
