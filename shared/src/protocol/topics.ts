/**
 * Every MQTT topic string of the product is built and parsed here, and nowhere else.
 * Layout: dinmeter/<deviceId>/<kind>; the backend heartbeat is dinmeter/backend/heartbeat.
 */
export const TOPIC_ROOT = 'dinmeter';

/** Device ids are MQTT-safe: no wildcards, no slashes, no spaces. "backend" is reserved. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export const DEVICE_TOPIC_KINDS = [
  'status',
  'telemetry',
  'telemetry/ack',
  'events',
  'cmd',
  'cmd/ack',
  'relays',
  'plan',
] as const;
export type DeviceTopicKind = (typeof DEVICE_TOPIC_KINDS)[number];

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
  events: (id: string) => deviceTopic(id, 'events'),
  cmd: (id: string) => deviceTopic(id, 'cmd'),
  cmdAck: (id: string) => deviceTopic(id, 'cmd/ack'),
  relays: (id: string) => deviceTopic(id, 'relays'),
  plan: (id: string) => deviceTopic(id, 'plan'),
  heartbeat: () => `${TOPIC_ROOT}/backend/heartbeat`,
  /** Subscription filters. */
  allDevices: (kind: DeviceTopicKind) => `${TOPIC_ROOT}/+/${kind}`,
  everything: () => `${TOPIC_ROOT}/#`,
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
export function haDiscoveryTopic(component: 'sensor' | 'switch', objectId: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(objectId)) throw new Error(`invalid Home Assistant object id ${JSON.stringify(objectId)}`);
  return `${HA_DISCOVERY_PREFIX}/${component}/${objectId}/config`;
}
export const haStatusTopic = () => `${HA_DISCOVERY_PREFIX}/status`;
