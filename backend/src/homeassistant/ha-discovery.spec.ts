import { CIRCUIT_COUNT, haObjectId, haRelaySetTopic, haTripResetTopic, parseHaCircuitTopic, parseHaRelaySetTopic, parseHaTripResetTopic } from '@dinmeter/shared';
import { loadConfig } from '../config/app-config';
import { buildHaDiscovery, haDiscoveryRemoval, HaMeter, haTriggerKey, parseHaRelayPayload, staleHaDiscoveryTopics } from './ha-discovery';

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
  const entities = all.filter((m) => !m.topic.includes('/device_automation/'));
  const byId = (uniqueId: string) => all.find((m) => m.config.unique_id === uniqueId)!.config;
  const enabled = entities.filter((m) => m.config.enabled_by_default !== false);

  it('should give a meter 113 entities, 83 of them enabled, and 21 device triggers', () => {
    const count = (component: string) => entities.filter((m) => m.topic.split('/')[1] === component).length;
    expect(entities).toHaveLength(3 + CIRCUIT_COUNT * 11);
    expect({ sensor: count('sensor'), switch: count('switch'), binary_sensor: count('binary_sensor'), button: count('button'), update: count('update') }).toEqual({
      sensor: 2 + CIRCUIT_COUNT * 8,
      switch: CIRCUIT_COUNT,
      binary_sensor: CIRCUIT_COUNT,
      button: CIRCUIT_COUNT,
      update: 1,
    });
    expect(enabled).toHaveLength(3 + CIRCUIT_COUNT * 8);
    expect(all.length - entities.length).toBe(2 * CIRCUIT_COUNT + 1);
  });

  it('should give the meter a firmware update entity: installed from its status, latest from the backend, install through the backend', () => {
    const update = byId('dinmeter_vm-1_firmware');
    expect(update).toMatchObject({
      device_class: 'firmware',
      state_topic: 'dinmeter/vm-1/status',
      latest_version_topic: 'dinmeter/backend/firmware/latest',
      command_topic: 'dinmeter/vm-1/ha/firmware/install',
      payload_install: 'install',
      retain: false,
    });
    expect(update.value_template).toContain("'installed_version': value_json.firmware");
    expect(update.value_template).toContain("'update_percentage'");
  });

  it('should keep the unique ids of earlier versions and give the new entities stable ones', () => {
    const ids = all.map((m) => m.topic.split('/')[2]);
    expect(new Set(ids).size).toBe(all.length);
    const circuit3 = ids.filter((id) => id.startsWith('dinmeter_vm-1_c3_')).sort();
    expect(circuit3).toEqual(
      [
        'angle_deg', 'apparent_va', 'current_a', 'energy_export_wh', 'energy_import_wh', 'pf', 'power_w', 'reactive_var',
        'relay', 'reset_trip', 'tripped',
      ].map((e) => `dinmeter_vm-1_c3_${e}`).sort(),
    );
    expect(ids.filter((id) => !/_c[0-9]+_|_trigger_/.test(id))).toEqual(['dinmeter_vm-1_voltage_v', 'dinmeter_vm-1_freq_hz', 'dinmeter_vm-1_firmware']);
    for (const m of entities) expect(m.topic).toBe(`homeassistant/${m.topic.split('/')[1]}/${m.config.unique_id}/config`);
    // Same input, same output: Home Assistant keeps entity ids and history across restarts.
    expect(buildHaDiscovery(meter)).toEqual(buildHaDiscovery(meter));
  });

  it('should enable per circuit power, energy import/export, current and power factor, and hide the rest', () => {
    const enabledFields = (circuit: number) =>
      enabled.filter((m) => m.topic.includes(`/sensor/dinmeter_vm-1_c${circuit}_`)).map((m) => m.config.unique_id.split(`_c${circuit}_`)[1]).sort();
    for (let circuit = 1; circuit <= CIRCUIT_COUNT; circuit++) {
      expect(enabledFields(circuit)).toEqual(['current_a', 'energy_export_wh', 'energy_import_wh', 'pf', 'power_w']);
      for (const field of ['reactive_var', 'apparent_va', 'angle_deg']) {
        expect(byId(`dinmeter_vm-1_c${circuit}_${field}`)).toMatchObject({ enabled_by_default: false, entity_category: 'diagnostic' });
      }
    }
    for (const uniqueId of ['dinmeter_vm-1_c2_relay', 'dinmeter_vm-1_c2_tripped', 'dinmeter_vm-1_c2_reset_trip', 'dinmeter_vm-1_voltage_v']) {
      expect(byId(uniqueId)).not.toHaveProperty('enabled_by_default');
      expect(byId(uniqueId)).not.toHaveProperty('entity_category');
    }
  });

  it('should describe energy import/export for the Energy dashboard (energy, total_increasing, kWh from Wh)', () => {
    for (const field of ['energy_import_wh', 'energy_export_wh']) {
      const config = byId(`dinmeter_vm-1_c3_${field}`);
      expect(config).toMatchObject({ device_class: 'energy', state_class: 'total_increasing', unit_of_measurement: 'kWh' });
      expect(config.value_template).toContain(`{{ (c.${field} * 0.001) | round(6) }}`);
    }
  });

  it.each([
    ['dinmeter_vm-1_c1_power_w', 'power', 'measurement', 'W'],
    ['dinmeter_vm-1_c1_current_a', 'current', 'measurement', 'A'],
    ['dinmeter_vm-1_c1_reactive_var', 'reactive_power', 'measurement', 'var'],
    ['dinmeter_vm-1_c1_apparent_va', 'apparent_power', 'measurement', 'VA'],
    ['dinmeter_vm-1_voltage_v', 'voltage', 'measurement', 'V'],
    ['dinmeter_vm-1_freq_hz', 'frequency', 'measurement', 'Hz'],
  ])('should describe %s as %s, %s, %s', (uniqueId, deviceClass, stateClass, unit) => {
    expect(byId(uniqueId)).toMatchObject({ device_class: deviceClass, state_class: stateClass, unit_of_measurement: unit });
  });

  it('should describe the phase angle in degrees, as a measurement without a device class', () => {
    const angle = byId('dinmeter_vm-1_c3_angle_deg');

    expect(angle).toMatchObject({ name: 'Kitchen phase angle', unit_of_measurement: '°', state_class: 'measurement', suggested_display_precision: 1 });
    expect(angle).not.toHaveProperty('device_class');
    expect(angle.value_template).toContain('c.angle_deg is defined');
  });

  it('should leave the unit out of the power factor (a ratio, not %)', () => {
    const config = byId('dinmeter_vm-1_c1_pf');
    expect(config.device_class).toBe('power_factor');
    expect(config).not.toHaveProperty('unit_of_measurement');
  });

  it('should read circuit sensors from the telemetry topic, picking the circuit and field by name', () => {
    const config = byId('dinmeter_vm-1_c7_power_w');
    expect(config.state_topic).toBe('dinmeter/vm-1/telemetry');
    expect(config.value_template).toContain("selectattr('circuit', 'eq', 7)");
    expect(config.value_template).toContain('{{ c.power_w }}');
    // Replayed records older than 10 minutes render nothing, which Home Assistant ignores.
    expect(config.value_template).toContain('(as_timestamp(now()) * 1000 - value_json.ts) < 600000');
  });

  it('should read the meter voltage and frequency from the first circuit of a record that has them', () => {
    for (const field of ['voltage_v', 'freq_hz']) {
      const config = byId(`dinmeter_vm-1_${field}`);
      expect(config.state_topic).toBe('dinmeter/vm-1/telemetry');
      expect(config.value_template).toContain(`selectattr('${field}', 'defined') | first`);
      expect(config.name).toMatch(/^Supply /);
    }
  });

  it('should take the record age limit from the options', () => {
    const [first] = buildHaDiscovery(meter, { maxRecordAgeS: 30 });
    expect(JSON.parse(first.payload).value_template).toContain('< 30000');
    expect(() => buildHaDiscovery(meter, { maxRecordAgeS: 0 })).toThrow('maxRecordAgeS must be positive, got 0');
  });

  it('should make a switch that reads the retained relays topic and commands through the backend', () => {
    const config = byId('dinmeter_vm-1_c3_relay');
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

  it('should make a problem binary sensor of the trip latch, and a button that asks the backend to reset it', () => {
    const tripped = byId('dinmeter_vm-1_c3_tripped');
    expect(tripped).toMatchObject({ name: 'Kitchen protection trip', device_class: 'problem', state_topic: 'dinmeter/vm-1/relays', payload_on: 'ON', payload_off: 'OFF' });
    expect(tripped.value_template).toContain("selectattr('circuit', 'eq', 3)");
    expect(tripped.value_template).toContain("{{ 'ON' if c.tripped else 'OFF' }}");
    expect(byId('dinmeter_vm-1_c3_reset_trip')).toMatchObject({
      name: 'Kitchen reset trip',
      command_topic: 'dinmeter/vm-1/ha/3/reset',
      payload_press: 'PRESS',
      retain: false,
    });
  });

  it('should declare device triggers for step changes and trips per circuit and for faults per meter', () => {
    const triggers = all.filter((m) => m.topic.includes('/device_automation/'));
    expect(triggers.find((m) => m.topic === 'homeassistant/device_automation/dinmeter_vm-1_trigger_c4_step_change/config')!.config).toEqual({
      automation_type: 'trigger',
      topic: 'dinmeter/vm-1/ha/triggers',
      type: 'step_change',
      subtype: 'circuit_4',
      value_template: '{{ value_json.trigger }}',
      payload: 'c4_step_change',
      qos: 1,
      device: byId('dinmeter_vm-1_c4_power_w').device,
    });
    expect(triggers.filter((m) => m.config.type === 'protection_trip').map((m) => m.config.payload)).toEqual(
      Array.from({ length: CIRCUIT_COUNT }, (_, k) => `c${k + 1}_protection_trip`),
    );
    expect(triggers.find((m) => m.config.type === 'fault')!.config).toMatchObject({ subtype: 'meter', payload: 'fault' });
    expect(haTriggerKey('fault', 3)).toBe('fault');
    expect(haTriggerKey('step_change', 3)).toBe('c3_step_change');
  });

  it('should make every entity available only while both the meter and the backend are', () => {
    for (const { config } of entities) {
      expect(config.availability_mode).toBe('all');
      expect(config.availability).toEqual([
        { topic: 'dinmeter/vm-1/status', value_template: "{{ 'online' if value_json.online else 'offline' }}" },
        { topic: 'dinmeter/backend/status', payload_available: 'online', payload_not_available: 'offline' },
      ]);
    }
  });

  it('should attach the device block and name entities after the circuit label', () => {
    const config = byId('dinmeter_vm-1_c3_power_w');
    expect(config.device).toEqual({
      identifiers: ['dinmeter_vm-1'],
      name: 'dinmeter vm-1',
      manufacturer: 'dinmeter',
      model: 'DIN-rail 10-circuit meter (ATM90E26)',
      sw_version: '1.2.3',
    });
    expect(config.name).toBe('Kitchen power');
    expect(byId('dinmeter_vm-1_c4_power_w').name).toBe('Circuit 4 power');
  });

  it('should leave sw_version out while the firmware is unknown, and fall back to "Circuit n" without circuits', () => {
    const bare = configs({ id: 'vm-2', circuits: [] });
    expect(bare[0].config.device).not.toHaveProperty('sw_version');
    expect(bare.find((m) => m.config.unique_id === 'dinmeter_vm-2_c1_current_a')!.config.name).toBe('Circuit 1 current');
  });

  it('should use the configured discovery prefix', () => {
    expect(configs(meter, 'ha/discovery')[0].topic).toBe('ha/discovery/sensor/dinmeter_vm-1_voltage_v/config');
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

describe('staleHaDiscoveryTopics', () => {
  it('should name the per-circuit voltage and frequency sensors of earlier versions, none of which is still built', () => {
    const stale = staleHaDiscoveryTopics('vm-1');
    expect(stale).toHaveLength(2 * CIRCUIT_COUNT);
    expect(stale).toContain('homeassistant/sensor/dinmeter_vm-1_c10_freq_hz/config');
    expect(stale).toContain('homeassistant/sensor/dinmeter_vm-1_c1_voltage_v/config');
    const current = new Set(buildHaDiscovery(meter).map((m) => m.topic));
    expect(stale.filter((t) => current.has(t))).toEqual([]);
  });
});

describe('haDiscoveryRemoval', () => {
  it('should clear every config of the meter, the stale ones and the anomaly event entity, with empty payloads', () => {
    const removal = haDiscoveryRemoval('vm-1', 'hass');
    expect(removal.every((m) => m.payload === '')).toBe(true);
    const cleared = new Set(removal.map((m) => m.topic));
    for (const m of buildHaDiscovery(meter, { prefix: 'hass' })) expect(cleared.has(m.topic)).toBe(true);
    for (const topic of staleHaDiscoveryTopics('vm-1', 'hass')) expect(cleared.has(topic)).toBe(true);
    expect(cleared.has('hass/event/dinmeter_vm-1_alerts/config')).toBe(true);
    expect(removal.every((m) => m.topic.includes('/dinmeter_vm-1_'))).toBe(true);
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

describe('haTripResetTopic / parseHaCircuitTopic', () => {
  it('should build and parse the reset request of every circuit, apart from the relay request', () => {
    for (let circuit = 1; circuit <= CIRCUIT_COUNT; circuit++) {
      const topic = haTripResetTopic('m.1', circuit);
      expect(topic).toBe(`dinmeter/m.1/ha/${circuit}/reset`);
      expect(parseHaTripResetTopic(topic)).toEqual({ deviceId: 'm.1', circuit });
      expect(parseHaRelaySetTopic(topic)).toBeUndefined();
      expect(parseHaTripResetTopic(haRelaySetTopic('m.1', circuit))).toBeUndefined();
      expect(parseHaCircuitTopic(topic)).toEqual({ deviceId: 'm.1', circuit, request: 'reset' });
    }
  });

  it.each(['dinmeter/m1/ha/3/clear', 'dinmeter/m1/ha/11/reset', 'dinmeter/backend/ha/1/reset', 'dinmeter/m1/ha/triggers'])('should not parse %p', (topic) => {
    expect(parseHaCircuitTopic(topic)).toBeUndefined();
  });
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
