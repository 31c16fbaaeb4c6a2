import {
  CIRCUIT_COUNT,
  CIRCUIT_METRICS,
  CircuitMetric,
  HA_DISCOVERY_PREFIX,
  HaComponent,
  HaMetric,
  haDiscoveryTopic,
  haFirmwareInstallTopic,
  haObjectId,
  haRelaySetTopic,
  haTripResetTopic,
  topics,
} from '@dinmeter/shared';

/** What discovery needs to know about a meter (a subset of the registry's DeviceRecord). */
export interface HaMeter {
  id: string;
  firmware?: string;
  /** Per circuit, in circuit order; a label set through the circuit config names the entities. */
  circuits: readonly { circuit: number; label?: string }[];
}

export interface HaDiscoveryMessage {
  topic: string;
  /** JSON; the empty string deletes the entity (Home Assistant MQTT discovery). */
  payload: string;
}

export interface HaDiscoveryOptions {
  prefix?: string;
  /**
   * Telemetry records older than this are not shown. The meter replays its flash backlog on the
   * same topic after an outage; an old energy counter reaching a `total_increasing` sensor would
   * look like a meter reset to the Energy dashboard and be counted twice.
   */
  maxRecordAgeS?: number;
}

/** Relay command payloads on haRelaySetTopic (the switch's payload_on / payload_off). */
export const HA_PAYLOAD_ON = 'ON';
export const HA_PAYLOAD_OFF = 'OFF';
/** The trip reset button's payload on haTripResetTopic (Home Assistant's default payload_press). */
export const HA_PAYLOAD_PRESS = 'PRESS';
/** The update entity's install payload on haFirmwareInstallTopic (docs/ota.md). */
export const HA_PAYLOAD_INSTALL = 'install';
/**
 * The update entity's state from the meter's retained status: the running firmware, and while an
 * update is under way (docs/ota.md "Status") in_progress with the download's percentage.
 */
const FIRMWARE_STATE_TEMPLATE =
  "{% if value_json.firmware is defined %}{% set o = value_json.ota if value_json.ota is defined else {} %}{{ {'installed_version': value_json.firmware, 'in_progress': o.state in ['downloading', 'rebooting', 'pending'], 'update_percentage': ((100 * o.bytes / o.size) | round(0)) if o.state == 'downloading' and o.size else none} | tojson }}{% endif %}";
/** Payloads of topics.backendStatus(). */
export const HA_BACKEND_ONLINE = 'online';
export const HA_BACKEND_OFFLINE = 'offline';

export const HA_MANUFACTURER = 'dinmeter';
export const HA_MODEL = 'DIN-rail 10-circuit meter (ATM90E26)';
export const DEFAULT_MAX_RECORD_AGE_S = 600;

type HaSensorMetric = CircuitMetric & { readonly ha: HaMetric };
/** The metrics Home Assistant gets a sensor for, in table order. */
const HA_SENSOR_METRICS = CIRCUIT_METRICS.filter((m): m is HaSensorMetric => 'ha' in m);

/** Meter events Home Assistant gets as device triggers: per circuit, or once per meter (`meter`). */
export const HA_TRIGGERS = [
  { type: 'step_change', scope: 'circuit' },
  { type: 'protection_trip', scope: 'circuit' },
  { type: 'fault', scope: 'meter' },
] as const;
export type HaTriggerType = (typeof HA_TRIGGERS)[number]['type'];

/** The `trigger` key of a message on topics.haTriggers: what a device trigger's `payload` matches. */
export function haTriggerKey(type: HaTriggerType, circuit?: number): string {
  const trigger = HA_TRIGGERS.find((t) => t.type === type)!;
  return trigger.scope === 'circuit' ? `c${circuit}_${type}` : type;
}

/** Jinja that picks circuit n out of a telemetry or relays payload (`circuits: [{circuit, …}]`). */
function selectCircuit(circuit: number): string {
  return `{% set c = value_json.circuits | selectattr('circuit', 'eq', ${circuit}) | first %}`;
}

/** Jinja that picks the first circuit of a telemetry record that carries `field` (meter-wide sensors). */
function selectAnyCircuit(field: string): string {
  return `{% set c = value_json.circuits | selectattr('${field}', 'defined') | first %}`;
}

/**
 * An empty result makes Home Assistant keep the previous value of a numeric sensor ("Ignore empty
 * state"): used for a record without this circuit or field, or a replayed old record.
 */
function sensorTemplate(select: string, field: string, maxAgeMs: number, scale?: number): string {
  const value = scale === undefined ? `c.${field}` : `(c.${field} * ${scale}) | round(6)`;
  return (
    select +
    `{% if c is defined and c.${field} is defined and (as_timestamp(now()) * 1000 - value_json.ts) < ${maxAgeMs} %}` +
    `{{ ${value} }}{% endif %}`
  );
}

function deviceBlock(meter: HaMeter) {
  return {
    identifiers: [`dinmeter_${meter.id}`],
    name: `dinmeter ${meter.id}`,
    manufacturer: HA_MANUFACTURER,
    model: HA_MODEL,
    ...(meter.firmware ? { sw_version: meter.firmware } : {}),
  };
}

function circuitName(meter: HaMeter, circuit: number): string {
  const label = meter.circuits.find((c) => c.circuit === circuit)?.label?.trim();
  return label ? label : `Circuit ${circuit}`;
}

/**
 * Availability of every entity: the meter's retained status ({online}, its last will on loss) AND
 * the backend's (its bridge's last will): a switch or button pressed while either is down is shown
 * unavailable instead of publishing a request nobody turns into a command.
 */
function availability(meterId: string) {
  return {
    availability: [
      { topic: topics.status(meterId), value_template: "{{ 'online' if value_json.online else 'offline' }}" },
      { topic: topics.backendStatus(), payload_available: HA_BACKEND_ONLINE, payload_not_available: HA_BACKEND_OFFLINE },
    ],
    availability_mode: 'all',
  };
}

/**
 * Every discovery config of one meter (publish them retained, QoS 1): per meter a voltage and a
 * frequency sensor; per circuit the sensors of HA_METRICS, a relay switch, a protection-trip binary
 * sensor and its reset button; a firmware update entity; device triggers for HA_TRIGGERS. Sensors read the meter's own
 * telemetry topic; switch and binary sensor read the retained relays topic; switch and button
 * command through the backend's dinmeter/<id>/ha/<circuit>/… topics, never the meter's cmd topic.
 */
export function buildHaDiscovery(meter: HaMeter, options: HaDiscoveryOptions = {}): HaDiscoveryMessage[] {
  const prefix = options.prefix ?? HA_DISCOVERY_PREFIX;
  const maxAgeMs = (options.maxRecordAgeS ?? DEFAULT_MAX_RECORD_AGE_S) * 1000;
  if (!(maxAgeMs > 0)) throw new Error(`maxRecordAgeS must be positive, got ${options.maxRecordAgeS}`);
  const device = deviceBlock(meter);
  const common = { ...availability(meter.id), qos: 1, device, origin: { name: 'dinmeter backend' } };
  const messages: HaDiscoveryMessage[] = [];
  const add = (component: HaComponent, entity: string, config: Record<string, unknown>) => {
    const objectId = haObjectId(meter.id, entity);
    const body = component === 'device_automation' ? { ...config, device } : { ...config, unique_id: objectId, ...common };
    messages.push({ topic: haDiscoveryTopic(component, objectId, prefix), payload: JSON.stringify(body) });
  };
  /** A sensor per CIRCUIT_METRICS entry with `ha` (shared/src/protocol/metrics.ts): one per meter or one per circuit. */
  const sensor = (entity: string, name: string, metric: HaSensorMetric, select: string) => {
    const { ha } = metric;
    const unit = ha.unit ?? metric.unit;
    add('sensor', entity, {
      name,
      state_topic: topics.telemetry(meter.id),
      value_template: sensorTemplate(select, metric.field, maxAgeMs, ha.scale),
      ...(ha.deviceClass ? { device_class: ha.deviceClass } : {}),
      state_class: metric.kind === 'counter' ? 'total_increasing' : 'measurement',
      // Home Assistant's power_factor class takes no unit when the value is a ratio (-1..1).
      ...(unit ? { unit_of_measurement: unit } : {}),
      suggested_display_precision: ha.precision,
      // Disabled by default: no history rows until a user enables it.
      ...(ha.entity === 'diagnostic' ? { entity_category: 'diagnostic', enabled_by_default: false } : {}),
    });
  };

  for (const metric of HA_SENSOR_METRICS) {
    if (metric.ha.entity === 'meter') sensor(metric.field, `Supply ${metric.ha.name}`, metric, selectAnyCircuit(metric.field));
  }
  for (let circuit = 1; circuit <= CIRCUIT_COUNT; circuit++) {
    const name = circuitName(meter, circuit);
    const pick = selectCircuit(circuit);
    for (const metric of HA_SENSOR_METRICS) {
      if (metric.ha.entity !== 'meter') sensor(`c${circuit}_${metric.field}`, `${name} ${metric.ha.name}`, metric, pick);
    }
    add('switch', `c${circuit}_relay`, {
      name: `${name} relay`,
      device_class: 'switch',
      command_topic: haRelaySetTopic(meter.id, circuit),
      payload_on: HA_PAYLOAD_ON,
      payload_off: HA_PAYLOAD_OFF,
      retain: false,
      state_topic: topics.relays(meter.id),
      value_template: `${pick}{{ c.state if c is defined else '' }}`,
      state_on: 'on',
      state_off: 'off',
      // reason (command, plan, failsafe, protection…), tripped, plan_version as attributes.
      json_attributes_topic: topics.relays(meter.id),
      json_attributes_template: `${pick}{{ (c if c is defined else {}) | tojson }}`,
    });
    // The meter's overcurrent latch (docs/relay-safety.md): on until a reset_trip command clears it.
    add('binary_sensor', `c${circuit}_tripped`, {
      name: `${name} protection trip`,
      device_class: 'problem',
      state_topic: topics.relays(meter.id),
      value_template: `${pick}{% if c is defined %}{{ 'ON' if c.tripped else 'OFF' }}{% endif %}`,
      payload_on: 'ON',
      payload_off: 'OFF',
    });
    add('button', `c${circuit}_reset_trip`, {
      name: `${name} reset trip`,
      command_topic: haTripResetTopic(meter.id, circuit),
      payload_press: HA_PAYLOAD_PRESS,
      retain: false,
    });
  }
  // Install asks the backend for a rollout of the newest upload (docs/ota.md); never the meter's cmd topic.
  add('update', 'firmware', {
    name: 'Firmware',
    device_class: 'firmware',
    entity_category: 'config',
    state_topic: topics.status(meter.id),
    value_template: FIRMWARE_STATE_TEMPLATE,
    latest_version_topic: topics.firmwareLatest(),
    command_topic: haFirmwareInstallTopic(meter.id),
    payload_install: HA_PAYLOAD_INSTALL,
    retain: false,
  });
  for (const trigger of HA_TRIGGERS) {
    const circuits = trigger.scope === 'circuit' ? Array.from({ length: CIRCUIT_COUNT }, (_, k) => k + 1) : [undefined];
    for (const circuit of circuits) {
      const key = haTriggerKey(trigger.type, circuit);
      add('device_automation', `trigger_${key}`, {
        automation_type: 'trigger',
        topic: topics.haTriggers(meter.id),
        type: trigger.type,
        // Stable (an automation keeps type and subtype), so not the label.
        subtype: circuit === undefined ? 'meter' : `circuit_${circuit}`,
        value_template: '{{ value_json.trigger }}',
        payload: key,
        qos: 1,
      });
    }
  }
  return messages;
}

/**
 * Discovery topics of entities earlier versions created and this one does not: a voltage and a
 * frequency sensor per circuit (now one each per meter). Cleared (empty retained) so existing
 * installations lose them.
 */
export function staleHaDiscoveryTopics(meterId: string, prefix = HA_DISCOVERY_PREFIX): string[] {
  const out: string[] = [];
  for (let circuit = 1; circuit <= CIRCUIT_COUNT; circuit++) {
    for (const field of ['voltage_v', 'freq_hz']) out.push(haDiscoveryTopic('sensor', haObjectId(meterId, `c${circuit}_${field}`), prefix));
  }
  return out;
}

/**
 * Empty retained configs for every entity and trigger of a meter (removing a meter): this module's,
 * the stale ones, and the anomaly event entity (backend/src/appliances/appliance-ha.ts).
 */
export function haDiscoveryRemoval(meterId: string, prefix = HA_DISCOVERY_PREFIX): HaDiscoveryMessage[] {
  const topicsToClear = [
    ...buildHaDiscovery({ id: meterId, circuits: [] }, { prefix }).map((m) => m.topic),
    ...staleHaDiscoveryTopics(meterId, prefix),
    haDiscoveryTopic('event', haObjectId(meterId, 'alerts'), prefix),
  ];
  return topicsToClear.map((topic) => ({ topic, payload: '' }));
}

/** The relay state asked for by a payload on haRelaySetTopic, or undefined when it is neither ON nor OFF. */
export function parseHaRelayPayload(payload: string): 'on' | 'off' | undefined {
  const text = payload.trim();
  return text === HA_PAYLOAD_ON ? 'on' : text === HA_PAYLOAD_OFF ? 'off' : undefined;
}
