import {
  CIRCUIT_COUNT,
  CIRCUIT_METRICS,
  CircuitMetricField,
  HA_DISCOVERY_PREFIX,
  haDiscoveryTopic,
  haObjectId,
  haRelaySetTopic,
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

export const HA_MANUFACTURER = 'dinmeter';
export const HA_MODEL = 'DIN-rail 10-circuit meter (ATM90E26)';
const DEFAULT_MAX_RECORD_AGE_S = 600;

/** Entity names per metric field; typed over the whole table so a new metric cannot be forgotten. */
const METRIC_NAMES: Record<CircuitMetricField, string> = {
  voltage_v: 'voltage',
  current_a: 'current',
  power_w: 'power',
  reactive_var: 'reactive power',
  apparent_va: 'apparent power',
  pf: 'power factor',
  freq_hz: 'frequency',
  energy_import_wh: 'energy import',
  energy_export_wh: 'energy export',
  reactive_import_varh: 'reactive energy import',
  reactive_export_varh: 'reactive energy export',
};

/** Metrics Home Assistant gets a sensor for: those the table gives a device class. */
const HA_METRICS = CIRCUIT_METRICS.filter((m): m is Extract<(typeof CIRCUIT_METRICS)[number], { haDeviceClass: string }> => 'haDeviceClass' in m);

/** Jinja that picks circuit n out of a telemetry or relays payload (`circuits: [{circuit, …}]`). */
function selectCircuit(circuit: number): string {
  return `{% set c = value_json.circuits | selectattr('circuit', 'eq', ${circuit}) | first %}`;
}

/**
 * An empty result makes Home Assistant keep the previous value of a numeric sensor ("Ignore empty
 * state"): used for a record without this circuit or field, or a replayed old record.
 */
function sensorTemplate(circuit: number, field: string, maxAgeMs: number): string {
  return (
    selectCircuit(circuit) +
    `{% if c is defined and c.${field} is defined and (as_timestamp(now()) * 1000 - value_json.ts) < ${maxAgeMs} %}` +
    `{{ c.${field} }}{% endif %}`
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
 * Every discovery config of one meter: per circuit a sensor per metric of CIRCUIT_METRICS that has
 * a Home Assistant device class, and a relay switch. Publish them retained (QoS 1).
 * The sensors read the meter's own telemetry topic; the switch reads the retained relays topic and
 * commands through the backend's haRelaySetTopic, never the meter's cmd topic.
 */
export function buildHaDiscovery(meter: HaMeter, options: HaDiscoveryOptions = {}): HaDiscoveryMessage[] {
  const prefix = options.prefix ?? HA_DISCOVERY_PREFIX;
  const maxAgeS = options.maxRecordAgeS ?? DEFAULT_MAX_RECORD_AGE_S;
  if (!(maxAgeS > 0)) throw new Error(`maxRecordAgeS must be positive, got ${maxAgeS}`);
  const device = deviceBlock(meter);
  const origin = { name: 'dinmeter backend' };
  // The meter's retained status ({online: true|false}, last will on loss) drives availability.
  const availability = {
    availability_topic: topics.status(meter.id),
    availability_template: "{{ 'online' if value_json.online else 'offline' }}",
  };
  const messages: HaDiscoveryMessage[] = [];
  for (let circuit = 1; circuit <= CIRCUIT_COUNT; circuit++) {
    const name = circuitName(meter, circuit);
    for (const metric of HA_METRICS) {
      const objectId = haObjectId(meter.id, `c${circuit}_${metric.field}`);
      const config = {
        name: `${name} ${METRIC_NAMES[metric.field]}`,
        unique_id: objectId,
        state_topic: topics.telemetry(meter.id),
        value_template: sensorTemplate(circuit, metric.field, maxAgeS * 1000),
        device_class: metric.haDeviceClass,
        state_class: metric.haStateClass,
        // Home Assistant's power_factor class takes no unit when the value is a ratio (-1..1).
        ...(metric.unit ? { unit_of_measurement: metric.unit } : {}),
        ...availability,
        qos: 1,
        device,
        origin,
      };
      messages.push({ topic: haDiscoveryTopic('sensor', objectId, prefix), payload: JSON.stringify(config) });
    }
    const objectId = haObjectId(meter.id, `c${circuit}_relay`);
    const relay = {
      name: `${name} relay`,
      unique_id: objectId,
      device_class: 'switch',
      command_topic: haRelaySetTopic(meter.id, circuit),
      payload_on: HA_PAYLOAD_ON,
      payload_off: HA_PAYLOAD_OFF,
      retain: false,
      state_topic: topics.relays(meter.id),
      value_template: `${selectCircuit(circuit)}{{ c.state if c is defined else '' }}`,
      state_on: 'on',
      state_off: 'off',
      // reason (command, plan, failsafe, protection…), tripped, plan_version as attributes.
      json_attributes_topic: topics.relays(meter.id),
      json_attributes_template: `${selectCircuit(circuit)}{{ (c if c is defined else {}) | tojson }}`,
      ...availability,
      qos: 1,
      device,
      origin,
    };
    messages.push({ topic: haDiscoveryTopic('switch', objectId, prefix), payload: JSON.stringify(relay) });
  }
  return messages;
}

/** The relay state asked for by a payload on haRelaySetTopic, or undefined when it is neither ON nor OFF. */
export function parseHaRelayPayload(payload: string): 'on' | 'off' | undefined {
  const text = payload.trim();
  return text === HA_PAYLOAD_ON ? 'on' : text === HA_PAYLOAD_OFF ? 'off' : undefined;
}
