import { haStatusTopic, isValidDeviceId, parseDeviceTopic, parseHaCircuitTopic, parseHaFirmwareInstallTopic, TOPIC_ROOT, topics } from '@dinmeter/shared';
import type { IdentityKind } from '../security/credentials/credentials-file';

/** Client ids of the backend's own connections start with this (logs, heartbeats, the lease). */
export const BACKEND_CLIENT_PREFIX = 'dinmeter-backend-';

/** Who a connection authenticated as (credentials registry, docs/security.md "Broker identity"). */
export interface BrokerIdentity {
  kind: IdentityKind;
  username: string;
}

const METER_PUBLISHES = new Set(['status', 'telemetry', 'telemetry/batch', 'events', 'cmd/ack', 'relays']);
const METER_SUBSCRIBES = new Set(['cmd', 'plan', 'telemetry/ack', 'events/ack']);

/**
 * Topic ACL of the embedded broker, keyed on the authenticated identity (never the client id, which
 * anyone chooses). Each function returns undefined when allowed, else the reason.
 * - the backend may publish and subscribe anything;
 * - a meter publishes only its own status/telemetry(/batch)/events/cmd-ack/relays and subscribes only its own
 *   cmd/plan/telemetry-ack/events-ack and the backend heartbeat, without wildcards;
 * - Home Assistant publishes only requests on dinmeter/<id>/ha/<circuit>/set (ON/OFF), …/reset (PRESS) and
 *   dinmeter/<id>/ha/firmware/install,
 *   which the backend turns into signed commands, and its birth message; it reads dinmeter/… and its discovery tree.
 * infra/mosquitto/dinmeter.acl is the same rules for Mosquitto.
 */
export function publishDenial(who: BrokerIdentity, topic: string, haPrefix: string): string | undefined {
  if (topic.startsWith('$')) return `${topic}: $-topics are reserved`;
  switch (who.kind) {
    case 'backend':
      return undefined;
    case 'meter': {
      const parsed = parseDeviceTopic(topic);
      if (parsed && parsed.deviceId === who.username && METER_PUBLISHES.has(parsed.kind)) return undefined;
      return `meter ${who.username} may not publish to ${topic}`;
    }
    case 'homeassistant':
      if (parseHaCircuitTopic(topic) || parseHaFirmwareInstallTopic(topic) || topic === haStatusTopic(haPrefix)) return undefined;
      return `${who.username} may publish only ${TOPIC_ROOT}/<id>/ha/<circuit>/set|reset, ${TOPIC_ROOT}/<id>/ha/firmware/install and ${haStatusTopic(haPrefix)}, not ${topic}`;
  }
}

export function subscribeDenial(who: BrokerIdentity, filter: string, haPrefix: string): string | undefined {
  switch (who.kind) {
    case 'backend':
      return undefined;
    case 'meter': {
      if (filter === topics.heartbeat()) return undefined;
      const parsed = parseDeviceTopic(filter);
      if (parsed && parsed.deviceId === who.username && METER_SUBSCRIBES.has(parsed.kind)) return undefined;
      return `meter ${who.username} may not subscribe to ${filter}`;
    }
    case 'homeassistant':
      if (filter.startsWith(`${TOPIC_ROOT}/`) || filter.startsWith(`${haPrefix}/`)) return undefined;
      return `${who.username} may subscribe only under ${TOPIC_ROOT}/ and ${haPrefix}/, not ${filter}`;
  }
}

/**
 * Client-id takeover: a broker drops the older of two connections with one client id, so a meter's id
 * in anyone else's hands would cut that meter off. A meter connects with its own id; nobody else may use
 * a provisioned meter's id, and only the backend the backend's prefix.
 */
export function clientIdDenial(who: BrokerIdentity, clientId: string, isMeter: (id: string) => boolean): string | undefined {
  if (who.kind === 'meter') return clientId === who.username ? undefined : `meter ${who.username} must connect with client id ${who.username}, not ${clientId}`;
  if (isValidDeviceId(clientId) && isMeter(clientId)) return `${who.username} may not use the client id of meter ${clientId}`;
  if (who.kind !== 'backend' && clientId.startsWith(BACKEND_CLIENT_PREFIX)) return `${who.username} may not use a backend client id (${clientId})`;
  return undefined;
}
