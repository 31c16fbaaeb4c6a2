import { CIRCUIT_COUNT, CIRCUIT_METRICS, haObjectId, haRelaySetTopic, parseHaRelaySetTopic } from '@dinmeter/shared';
import { loadConfig } from '../config/app-config';
import { buildHaDiscovery, HaMeter, parseHaRelayPayload } from './ha-discovery';

const meter: HaMeter = {
  id: 'vm-1',
  firmware: '1.2.3',
  circuits: Array.from({ length: CIRCUIT_COUNT }, (_, k) => ({ circuit: k + 1, ...(k === 2 ? { label: 'Kitchen' } : {}) })),
};

function configs(m: HaMeter = meter, prefix?: string) {
  return buildHaDiscovery(m, prefix ? { prefix } : {}).map((msg) => ({ topic: msg.topic, config: JSON.parse(msg.payload) }));
}

describe('buildHaDiscovery', () => {
  const all = configs();
  const classified = CIRCUIT_METRICS.filter((m) => 'haDeviceClass' in m);

  it('should give every circuit one sensor per metric with a device class and one relay switch', () => {
    expect(classified.map((m) => m.field)).toEqual([
      'voltage_v', 'current_a', 'power_w', 'reactive_var', 'apparent_va', 'pf', 'freq_hz', 'energy_import_wh', 'energy_export_wh',
    ]);
    expect(all).toHaveLength(CIRCUIT_COUNT * (classified.length + 1));
    for (let circuit = 1; circuit <= CIRCUIT_COUNT; circuit++) {
      expect(all.filter((m) => m.topic.includes(`_c${circuit}_`))).toHaveLength(classified.length + 1);
      expect(all.filter((m) => m.topic === `homeassistant/switch/dinmeter_vm-1_c${circuit}_relay/config`)).toHaveLength(1);
    }
  });

  it('should use one unique_id per entity, equal to its object id', () => {
    const ids = all.map((m) => m.config.unique_id as string);
    expect(new Set(ids).size).toBe(all.length);
    for (const m of all) expect(m.topic).toBe(`homeassistant/${m.topic.split('/')[1]}/${m.config.unique_id}/config`);
  });

  it('should describe energy import/export for the Energy dashboard (energy, total_increasing, Wh)', () => {
    for (const field of ['energy_import_wh', 'energy_export_wh']) {
      const { config } = all.find((m) => m.config.unique_id === `dinmeter_vm-1_c3_${field}`)!;
      expect(config).toMatchObject({ device_class: 'energy', state_class: 'total_increasing', unit_of_measurement: 'Wh' });
    }
  });

  it.each([
    ['power_w', 'power', 'measurement', 'W'],
    ['voltage_v', 'voltage', 'measurement', 'V'],
    ['current_a', 'current', 'measurement', 'A'],
    ['freq_hz', 'frequency', 'measurement', 'Hz'],
  ])('should take %s from the metrics table: %s, %s, %s', (field, deviceClass, stateClass, unit) => {
    const { config } = all.find((m) => m.config.unique_id === `dinmeter_vm-1_c1_${field}`)!;
    expect(config).toMatchObject({ device_class: deviceClass, state_class: stateClass, unit_of_measurement: unit });
  });

  it('should leave the unit out of the power factor (a ratio, not %)', () => {
    const { config } = all.find((m) => m.config.unique_id === 'dinmeter_vm-1_c1_pf')!;
    expect(config.device_class).toBe('power_factor');
    expect(config).not.toHaveProperty('unit_of_measurement');
  });

  it('should read sensors from the telemetry topic, picking the circuit and field by name', () => {
    const { config } = all.find((m) => m.config.unique_id === 'dinmeter_vm-1_c7_power_w')!;
    expect(config.state_topic).toBe('dinmeter/vm-1/telemetry');
    expect(config.value_template).toContain("selectattr('circuit', 'eq', 7)");
    expect(config.value_template).toContain('{{ c.power_w }}');
    // Replayed records older than 10 minutes render nothing, which Home Assistant ignores.
    expect(config.value_template).toContain('(as_timestamp(now()) * 1000 - value_json.ts) < 600000');
  });

  it('should take the record age limit from the options', () => {
    const [first] = buildHaDiscovery(meter, { maxRecordAgeS: 30 });
    expect(JSON.parse(first.payload).value_template).toContain('< 30000');
    expect(() => buildHaDiscovery(meter, { maxRecordAgeS: 0 })).toThrow('maxRecordAgeS must be positive, got 0');
  });

  it('should make a switch that reads the retained relays topic and commands through the backend', () => {
    const { config } = all.find((m) => m.config.unique_id === 'dinmeter_vm-1_c3_relay')!;
    expect(config).toMatchObject({
      name: 'Kitchen relay',
      state_topic: 'dinmeter/vm-1/relays',
      command_topic: 'dinmeter/vm-1/ha/3/set',
      payload_on: 'ON',
      payload_off: 'OFF',
      state_on: 'on',
      state_off: 'off',
      retain: false,
    });
    expect(config.value_template).toContain("selectattr('circuit', 'eq', 3)");
    for (const m of all) expect(m.config.command_topic ?? '').not.toMatch(/\/cmd$/);
  });

  it('should make every entity available from the meter status topic', () => {
    for (const { config } of all) {
      expect(config.availability_topic).toBe('dinmeter/vm-1/status');
      expect(config.availability_template).toBe("{{ 'online' if value_json.online else 'offline' }}");
    }
  });

  it('should attach the device block and name entities after the circuit label', () => {
    const { config } = all.find((m) => m.config.unique_id === 'dinmeter_vm-1_c3_power_w')!;
    expect(config.device).toEqual({
      identifiers: ['dinmeter_vm-1'],
      name: 'dinmeter vm-1',
      manufacturer: 'dinmeter',
      model: 'DIN-rail 10-circuit meter (ATM90E26)',
      sw_version: '1.2.3',
    });
    expect(config.name).toBe('Kitchen power');
    expect(all.find((m) => m.config.unique_id === 'dinmeter_vm-1_c4_power_w')!.config.name).toBe('Circuit 4 power');
  });

  it('should leave sw_version out while the firmware is unknown, and fall back to "Circuit n" without circuits', () => {
    const [first] = configs({ id: 'vm-2', circuits: [] });
    expect(first.config.device).not.toHaveProperty('sw_version');
    expect(first.config.name).toBe('Circuit 1 voltage');
  });

  it('should use the configured discovery prefix', () => {
    expect(configs(meter, 'ha/discovery')[0].topic).toBe('ha/discovery/sensor/dinmeter_vm-1_c1_voltage_v/config');
    expect(() => configs(meter, 'bad/+')).toThrow('invalid Home Assistant discovery prefix "bad/+"');
  });

  it('should keep object ids of device ids with dots and underscores apart', () => {
    expect(haObjectId('a.b', 'c1_relay')).toBe('dinmeter_a_db_c1_relay');
    expect(haObjectId('a_b', 'c1_relay')).toBe('dinmeter_a__b_c1_relay');
    expect(haObjectId('a_db', 'c1_relay')).toBe('dinmeter_a__db_c1_relay');
    expect(() => haObjectId('a/b', 'c1_relay')).toThrow('invalid device id "a/b"');
    expect(() => haObjectId('a', 'Relay')).toThrow('invalid Home Assistant entity suffix "Relay"');
  });
});

describe('haRelaySetTopic / parseHaRelaySetTopic', () => {
  it('should round-trip every circuit', () => {
    for (let circuit = 1; circuit <= CIRCUIT_COUNT; circuit++) {
      expect(parseHaRelaySetTopic(haRelaySetTopic('m.1', circuit))).toEqual({ deviceId: 'm.1', circuit });
    }
  });

  it.each([0, 11, 1.5, NaN])('should refuse to build a topic for circuit %p', (circuit) => {
    expect(() => haRelaySetTopic('m1', circuit)).toThrow(`invalid circuit ${JSON.stringify(circuit)}`);
  });

  it.each(['dinmeter/m1/ha/0/set', 'dinmeter/m1/ha/11/set', 'dinmeter/m1/ha/01/set', 'dinmeter/backend/ha/1/set', 'dinmeter/m1/ha/1', 'x/m1/ha/1/set', 'dinmeter/m1/ha/1/set/x', 'dinmeter/m1/cmd'])(
    'should not parse %p',
    (topic) => {
      expect(parseHaRelaySetTopic(topic)).toBeUndefined();
    },
  );
});

describe('parseHaRelayPayload', () => {
  it.each([
    ['ON', 'on'],
    ['OFF', 'off'],
    [' ON\n', 'on'],
    ['on', undefined],
    ['{"state":"ON"}', undefined],
    ['', undefined],
  ])('should read %p as %p', (payload, state) => {
    expect(parseHaRelayPayload(payload)).toBe(state);
  });
});

describe('HA settings', () => {
  it('should default to discovery on under homeassistant/', () => {
    const config = loadConfig({});
    expect(config.HA_DISCOVERY).toBe(true);
    expect(config.HA_DISCOVERY_PREFIX).toBe('homeassistant');
  });

  it('should read HA_DISCOVERY=false and a custom prefix, and list bad values', () => {
    expect(loadConfig({ HA_DISCOVERY: 'false', HA_DISCOVERY_PREFIX: 'ha/disc' })).toMatchObject({ HA_DISCOVERY: false, HA_DISCOVERY_PREFIX: 'ha/disc' });
    expect(() => loadConfig({ HA_DISCOVERY: 'maybe', HA_DISCOVERY_PREFIX: 'ha/#' })).toThrow(/HA_DISCOVERY="maybe"[\s\S]*HA_DISCOVERY_PREFIX="ha\/#"/);
  });
});
