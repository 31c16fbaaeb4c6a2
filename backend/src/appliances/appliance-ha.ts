/**
 * Home Assistant discovery for named appliances (a sensor for running/idle, one for its energy) and
 * one event entity per meter that fires on every anomaly alert. Pure; topics from @dinmeter/shared.
 */
import { ALERT_KINDS, HA_DISCOVERY_PREFIX, haDiscoveryTopic, haObjectId, topics } from '@dinmeter/shared';

export interface HaAppliance {
  circuit: number;
  id: string;
  name: string;
}

export function buildApplianceDiscovery(deviceId: string, appliances: readonly HaAppliance[], prefix = HA_DISCOVERY_PREFIX): { topic: string; payload: string }[] {
  const device = { identifiers: [`dinmeter_${deviceId}`], name: `dinmeter ${deviceId}` };
  const origin = { name: 'dinmeter backend' };
  const out: { topic: string; payload: string }[] = [];
  for (const a of appliances) {
    const state = topics.applianceState(deviceId, a.circuit, a.id);
    const base = haObjectId(deviceId, `c${a.circuit}_${a.id}`);
    out.push({
      topic: haDiscoveryTopic('sensor', `${base}_state`, prefix),
      payload: JSON.stringify({
        name: `${a.name} state`,
        unique_id: `${base}_state`,
        state_topic: state,
        value_template: '{{ value_json.state }}',
        device_class: 'enum',
        options: ['running', 'idle'],
        json_attributes_topic: state,
        qos: 1,
        device,
        origin,
      }),
    });
    out.push({
      topic: haDiscoveryTopic('sensor', `${base}_energy`, prefix),
      payload: JSON.stringify({
        name: `${a.name} energy`,
        unique_id: `${base}_energy`,
        state_topic: state,
        value_template: '{{ value_json.energy_wh }}',
        device_class: 'energy',
        state_class: 'total_increasing',
        unit_of_measurement: 'Wh',
        qos: 1,
        device,
        origin,
      }),
    });
  }
  const alerts = haObjectId(deviceId, 'alerts');
  out.push({
    topic: haDiscoveryTopic('event', alerts, prefix),
    payload: JSON.stringify({
      name: 'Anomaly',
      unique_id: alerts,
      state_topic: topics.alerts(deviceId),
      event_types: [...ALERT_KINDS],
      // The alert's fields become the event's attributes; event_type is its kind.
      value_template: "{{ dict(value_json, event_type=value_json.kind) | tojson }}",
      qos: 1,
      device,
      origin,
    }),
  });
  return out;
}

/** Discovery topics to clear (empty retained payload) for appliances no longer named. */
export function applianceDiscoveryTopics(deviceId: string, a: { circuit: number; id: string }, prefix = HA_DISCOVERY_PREFIX): string[] {
  const base = haObjectId(deviceId, `c${a.circuit}_${a.id}`);
  return [haDiscoveryTopic('sensor', `${base}_state`, prefix), haDiscoveryTopic('sensor', `${base}_energy`, prefix)];
}
