import { isValidDeviceId, parseDeviceTopic, parseHaCircuitTopic, TOPIC_ROOT } from '@dinmeter/shared';

/** Client ids starting with this are backend instances: they may publish anywhere. */
export const BACKEND_CLIENT_PREFIX = 'dinmeter-backend-';

const DEVICE_PUBLISHES = new Set(['status', 'telemetry', 'events', 'cmd/ack', 'relays']);

/**
 * Topic ACL of the embedded broker, by client id (meters connect with their device id):
 * - a meter publishes only its own status/telemetry/events/cmd-ack/relays, never commands or plans;
 * - a backend instance publishes anything;
 * - everyone else (mosquitto_sub, integrations) may read everything but publish nothing under dinmeter/,
 *   except requests on dinmeter/<id>/ha/<circuit>/set|reset, which the backend turns into proper commands.
 *   That one is open to every client: Home Assistant's default client id (22 random base62
 *   characters) looks like a device id, so it cannot be told apart by id; the backend validates the
 *   payload and the meter applies its own relay rules (switch limits, protection) to the command.
 * Without MQTT credentials this keeps honest clients apart; it is not authentication (see README).
 * Returns undefined when allowed, else the reason.
 */
export function publishDenial(clientId: string, topic: string): string | undefined {
  if (clientId.startsWith(BACKEND_CLIENT_PREFIX)) return undefined;
  if (topic !== TOPIC_ROOT && !topic.startsWith(`${TOPIC_ROOT}/`)) return undefined;
  if (parseHaCircuitTopic(topic)) return undefined;
  const parsed = parseDeviceTopic(topic);
  if (isValidDeviceId(clientId) && parsed && parsed.deviceId === clientId && DEVICE_PUBLISHES.has(parsed.kind)) {
    return undefined;
  }
  return isValidDeviceId(clientId)
    ? `device ${clientId} may not publish to ${topic}`
    : `client ${clientId} may not publish under ${TOPIC_ROOT}/`;
}
