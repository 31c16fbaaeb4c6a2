/**
 * Every MQTT topic string of the product is built and parsed here, and nowhere else.
 * Layout: dinmeter/<deviceId>/<kind>; the backend heartbeat is dinmeter/backend/heartbeat.
 */
import { CIRCUIT_COUNT } from './metrics';

export const TOPIC_ROOT = 'dinmeter';

/** Device ids are MQTT-safe: no wildcards, no slashes, no spaces. "backend" is reserved. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export const DEVICE_TOPIC_KINDS = [
  'status',
  'telemetry',
  'telemetry/ack',
  'telemetry/batch',
  'events',
  'events/ack',
  'cmd',
  'cmd/ack',
  'relays',
  'plan',
  'alerts',
] as const;
export type DeviceTopicKind = (typeof DEVICE_TOPIC_KINDS)[number];

/** Appliance ids the backend gives candidate appliances (a1, a2, …): topic- and object-id-safe. */
export const APPLIANCE_ID_PATTERN = /^a[0-9]{1,6}$/;

function assertCircuit(circuit: number): void {
  if (!Number.isInteger(circuit) || circuit < 1 || circuit > CIRCUIT_COUNT) throw new Error(`invalid circuit ${JSON.stringify(circuit)}: 1..${CIRCUIT_COUNT}`);
}

export function isValidDeviceId(id: string): boolean {
  return DEVICE_ID_PATTERN.test(id) && id !== 'backend';
}

function assertDeviceId(id: string): void {
  if (!isValidDeviceId(id)) throw new Error(`invalid device id ${JSON.stringify(id)}: must match ${DEVICE_ID_PATTERN}`);
}

export function deviceTopic(deviceId: string, kind: DeviceTopicKind): string {
  assertDeviceId(deviceId);
  return `${TOPIC_ROOT}/${deviceId}/${kind}`;
}

export const topics = {
  status: (id: string) => deviceTopic(id, 'status'),
  telemetry: (id: string) => deviceTopic(id, 'telemetry'),
  telemetryAck: (id: string) => deviceTopic(id, 'telemetry/ack'),
  /** Meter → backend: several stored records in one message (the replay of a backlog). */
  telemetryBatch: (id: string) => deviceTopic(id, 'telemetry/batch'),
  events: (id: string) => deviceTopic(id, 'events'),
  /** Backend → meter: every event up to upto_seq is in InfluxDB (the meter's event log may drop it). */
  eventsAck: (id: string) => deviceTopic(id, 'events/ack'),
  cmd: (id: string) => deviceTopic(id, 'cmd'),
  cmdAck: (id: string) => deviceTopic(id, 'cmd/ack'),
  relays: (id: string) => deviceTopic(id, 'relays'),
  plan: (id: string) => deviceTopic(id, 'plan'),
  /** Anomaly alerts the backend raises about a meter's circuits (backend → integrations; docs/anomalies.md). */
  alerts: (id: string) => deviceTopic(id, 'alerts'),
  /** Retained state of one named appliance: running/idle, energy, runs (backend → Home Assistant). */
  applianceState: (id: string, circuit: number, applianceId: string) => {
    assertDeviceId(id);
    assertCircuit(circuit);
    if (!APPLIANCE_ID_PATTERN.test(applianceId)) throw new Error(`invalid appliance id ${JSON.stringify(applianceId)}`);
    return `${TOPIC_ROOT}/${id}/appliances/${circuit}/${applianceId}`;
  },
  heartbeat: () => `${TOPIC_ROOT}/backend/heartbeat`,
  /** Backend instances tell each other which records they stored (MQTT_SHARE_GROUP mode). */
  ingestStored: () => `${TOPIC_ROOT}/backend/ingest/stored`,
  /** Retained lease of the backend instance that runs the automation (backend/src/leader). */
  automationLease: () => `${TOPIC_ROOT}/backend/automation/lease`,
  /**
   * Retained `online` / `offline` of the backend's Home Assistant bridge (its last will says offline):
   * every Home Assistant entity needs it besides the meter's status (backend/src/homeassistant).
   */
  backendStatus: () => `${TOPIC_ROOT}/backend/status`,
  /** Device-trigger messages the backend fires for Home Assistant from a meter's events (not retained). */
  haTriggers: (id: string) => {
    assertDeviceId(id);
    return `${TOPIC_ROOT}/${id}/ha/triggers`;
  },
  /** Retained version of the newest uploaded firmware image (Home Assistant's update entities, docs/ota.md). */
  firmwareLatest: () => `${TOPIC_ROOT}/backend/firmware/latest`,
  /** Subscription filters. */
  allDevices: (kind: DeviceTopicKind) => `${TOPIC_ROOT}/+/${kind}`,
  everything: () => `${TOPIC_ROOT}/#`,
  /** MQTT 5 / Mosquitto 2 shared subscription: the broker hands each message to one member of the group. */
  sharedSubscription: (group: string, filter: string) => {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(group)) throw new Error(`invalid share group ${JSON.stringify(group)}`);
    return `$share/${group}/${filter}`;
  },
};

export interface ParsedTopic {
  deviceId: string;
  kind: DeviceTopicKind;
}

/** Returns the device and kind of a device topic, or undefined for anything else. */
export function parseDeviceTopic(topic: string): ParsedTopic | undefined {
  const prefix = `${TOPIC_ROOT}/`;
  if (!topic.startsWith(prefix)) return undefined;
  const rest = topic.slice(prefix.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  const deviceId = rest.slice(0, slash);
  const kind = rest.slice(slash + 1) as DeviceTopicKind;
  if (!isValidDeviceId(deviceId) || !DEVICE_TOPIC_KINDS.includes(kind)) return undefined;
  return { deviceId, kind };
}

/** Home Assistant MQTT discovery (retained config topics). */
export const HA_DISCOVERY_PREFIX = 'homeassistant';
/** A discovery prefix: one or more topic levels without wildcards (Home Assistant lets users change it). */
export const HA_DISCOVERY_PREFIX_PATTERN = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;
function assertHaPrefix(prefix: string): void {
  if (!HA_DISCOVERY_PREFIX_PATTERN.test(prefix)) throw new Error(`invalid Home Assistant discovery prefix ${JSON.stringify(prefix)}`);
}
export type HaComponent = 'sensor' | 'binary_sensor' | 'switch' | 'button' | 'event' | 'device_automation' | 'update';
export function haDiscoveryTopic(component: HaComponent, objectId: string, prefix = HA_DISCOVERY_PREFIX): string {
  if (!/^[A-Za-z0-9_-]+$/.test(objectId)) throw new Error(`invalid Home Assistant object id ${JSON.stringify(objectId)}`);
  assertHaPrefix(prefix);
  return `${prefix}/${component}/${objectId}/config`;
}
/** Home Assistant's birth/last-will topic: `online` means "send your discovery configs again". */
export const haStatusTopic = (prefix = HA_DISCOVERY_PREFIX) => {
  assertHaPrefix(prefix);
  return `${prefix}/status`;
};

/**
 * The discovery object id of one entity of a meter. Device ids may contain '.', which object ids may
 * not: '.' becomes '_d' and '_' doubles, so two device ids never share an object id.
 * `entity` is a lower-case suffix such as `c3_power_w`, `c3_relay`, `c3_a2_state`, `voltage_v` (one per
 * meter) or `alerts` (the meter's alert events).
 */
export function haObjectId(deviceId: string, entity: string): string {
  assertDeviceId(deviceId);
  if (!/^[a-z][a-z0-9_]*$/.test(entity)) throw new Error(`invalid Home Assistant entity suffix ${JSON.stringify(entity)}`);
  return `dinmeter_${deviceId.replace(/_/g, '__').replace(/\./g, '_d')}_${entity}`;
}

/**
 * Backend-owned topics on which Home Assistant (or any integration) asks for something about one
 * circuit: `set` (relay, plain payload ON or OFF) and `reset` (clear a protection trip, payload
 * PRESS). The backend turns them into proper commands (id, seq, expiry) on …/cmd: integrations never
 * write the meter's command topic themselves (docs/invariants.md invariant 2).
 */
export const HA_CIRCUIT_REQUESTS = ['set', 'reset'] as const;
export type HaCircuitRequest = (typeof HA_CIRCUIT_REQUESTS)[number];

function haCircuitTopic(deviceId: string, circuit: number, request: HaCircuitRequest): string {
  assertDeviceId(deviceId);
  assertCircuit(circuit);
  return `${TOPIC_ROOT}/${deviceId}/ha/${circuit}/${request}`;
}

/** The device, circuit and request of a haCircuitTopic, or undefined for anything else. */
export function parseHaCircuitTopic(topic: string): { deviceId: string; circuit: number; request: HaCircuitRequest } | undefined {
  const parts = topic.split('/');
  if (parts.length !== 5 || parts[0] !== TOPIC_ROOT || parts[2] !== 'ha' || !HA_CIRCUIT_REQUESTS.includes(parts[4] as HaCircuitRequest)) return undefined;
  if (!isValidDeviceId(parts[1]) || !/^[1-9][0-9]?$/.test(parts[3])) return undefined;
  const circuit = Number(parts[3]);
  return circuit <= CIRCUIT_COUNT ? { deviceId: parts[1], circuit, request: parts[4] as HaCircuitRequest } : undefined;
}

/** Relay switch requests: ON or OFF on dinmeter/<id>/ha/<circuit>/set. */
export const haRelaySetTopic = (deviceId: string, circuit: number) => haCircuitTopic(deviceId, circuit, 'set');
/** Subscription filter for every haRelaySetTopic. */
export const haRelaySetFilter = () => `${TOPIC_ROOT}/+/ha/+/set`;
/** The device and circuit of a haRelaySetTopic, or undefined for anything else. */
export function parseHaRelaySetTopic(topic: string): { deviceId: string; circuit: number } | undefined {
  const parsed = parseHaCircuitTopic(topic);
  return parsed?.request === 'set' ? { deviceId: parsed.deviceId, circuit: parsed.circuit } : undefined;
}

/** Protection trip reset requests (the trip's button): PRESS on dinmeter/<id>/ha/<circuit>/reset. */
export const haTripResetTopic = (deviceId: string, circuit: number) => haCircuitTopic(deviceId, circuit, 'reset');
/** Subscription filter for every haTripResetTopic. */
export const haTripResetFilter = () => `${TOPIC_ROOT}/+/ha/+/reset`;
/** The device and circuit of a haTripResetTopic, or undefined for anything else. */
export function parseHaTripResetTopic(topic: string): { deviceId: string; circuit: number } | undefined {
  const parsed = parseHaCircuitTopic(topic);
  return parsed?.request === 'reset' ? { deviceId: parsed.deviceId, circuit: parsed.circuit } : undefined;
}

/** Firmware install requests of Home Assistant's update entity: `install` on dinmeter/<id>/ha/firmware/install (docs/ota.md). */
export const haFirmwareInstallTopic = (deviceId: string) => {
  assertDeviceId(deviceId);
  return `${TOPIC_ROOT}/${deviceId}/ha/firmware/install`;
};
/** Subscription filter for every haFirmwareInstallTopic. */
export const haFirmwareInstallFilter = () => `${TOPIC_ROOT}/+/ha/firmware/install`;
/** The device of a haFirmwareInstallTopic, or undefined for anything else. */
export function parseHaFirmwareInstallTopic(topic: string): { deviceId: string } | undefined {
  const parts = topic.split('/');
  if (parts.length !== 5 || parts[0] !== TOPIC_ROOT || parts[2] !== 'ha' || parts[3] !== 'firmware' || parts[4] !== 'install') return undefined;
  return isValidDeviceId(parts[1]) ? { deviceId: parts[1] } : undefined;
}
