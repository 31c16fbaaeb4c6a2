/**
 * Every MQTT topic of the product with who publishes it, QoS and retain: the table the AsyncAPI
 * document (docs/asyncapi.json, shared/node/asyncapi.ts) is generated from. Payloads are the
 * schemas of codec.ts where the protocol defines them; the few backend-only payloads are described
 * here. Addresses use AsyncAPI parameters: {deviceId}, {circuit}, {applianceId}.
 * Not exported from index.ts: the firmware has no use for it.
 */
import { MessageKind } from './codec';
import { eventSchema } from './messages';
import { JsonSchema } from './schema';
import { DEVICE_ID_PATTERN, TOPIC_ROOT } from './topics';

export type Party = 'meter' | 'backend' | 'integration' | 'home-assistant';

export interface ChannelDef {
  address: string;
  publishers: readonly Party[];
  subscribers: readonly Party[];
  qos: 0 | 1;
  retain: boolean;
  /** A codec message kind (JSON, validated by its schema), or the payload's own schema. */
  payload: MessageKind | { contentType: 'application/json' | 'text/plain'; schema: JsonSchema };
  description: string;
}

const device = (kind: string) => `${TOPIC_ROOT}/{deviceId}/${kind}`;

export const CHANNELS = {
  status: {
    address: device('status'),
    publishers: ['meter'],
    subscribers: ['backend', 'integration'],
    qos: 1,
    retain: true,
    payload: 'status',
    description: 'The meter\'s state; its last will is {"v":1,"online":false}. Published again when chip health or the shortest failsafe changes.',
  },
  telemetry: {
    address: device('telemetry'),
    publishers: ['meter'],
    subscribers: ['backend', 'integration', 'home-assistant'],
    qos: 1,
    retain: false,
    payload: 'telemetry',
    description: 'One record of all circuits. Replays after an outage keep their own ts and seq: use ts, expect duplicates.',
  },
  telemetryBatch: {
    address: device('telemetry/batch'),
    publishers: ['meter'],
    subscribers: ['backend'],
    qos: 1,
    retain: false,
    payload: 'telemetry/batch',
    description:
      'Up to 16 stored records in one message, oldest first: how a meter replays its backlog after an outage. Live records always come one by one on telemetry; integrations that want the history read it from InfluxDB.',
  },
  telemetryAck: {
    address: device('telemetry/ack'),
    publishers: ['backend'],
    subscribers: ['meter'],
    qos: 1,
    retain: false,
    payload: 'telemetry/ack',
    description: 'Every record with seq ≤ upto_seq is stored in InfluxDB: the meter may drop it from flash.',
  },
  events: {
    address: device('events'),
    publishers: ['meter'],
    subscribers: ['backend', 'integration'],
    qos: 1,
    retain: false,
    payload: 'events',
    description:
      'Relay changes, protection trips, faults, step changes, config and plan changes, failsafe, boot. Stored-and-forwarded like telemetry: each carries seq and acked_seq, replays keep their ts; expect duplicates.',
  },
  eventsAck: {
    address: device('events/ack'),
    publishers: ['backend'],
    subscribers: ['meter'],
    qos: 1,
    retain: false,
    payload: 'events/ack',
    description: 'Every event with seq ≤ upto_seq is stored in InfluxDB: the meter may drop it from its event log.',
  },
  cmd: {
    address: device('cmd'),
    publishers: ['backend'],
    subscribers: ['meter'],
    qos: 1,
    retain: false,
    payload: 'cmd',
    description: 'A command with id, per-device seq and expiry. Only the backend issues them; integrations use the ha/{circuit}/set channel or REST.',
  },
  cmdAck: {
    address: device('cmd/ack'),
    publishers: ['meter'],
    subscribers: ['backend'],
    qos: 1,
    retain: false,
    payload: 'cmd/ack',
    description: 'The outcome of a command; code is machine-readable when ok is false.',
  },
  relays: {
    address: device('relays'),
    publishers: ['meter'],
    subscribers: ['backend', 'integration', 'home-assistant'],
    qos: 1,
    retain: true,
    payload: 'relays',
    description: 'Every relay\'s state and why it is in it.',
  },
  plan: {
    address: device('plan'),
    publishers: ['backend'],
    subscribers: ['meter'],
    qos: 1,
    retain: true,
    payload: 'plan',
    description: 'On-intervals per circuit from the automation; the meter follows them offline until valid_until.',
  },
  alerts: {
    address: device('alerts'),
    publishers: ['backend'],
    subscribers: ['integration', 'home-assistant'],
    qos: 1,
    retain: false,
    payload: 'alerts',
    description: 'Anomalies the backend found in a circuit\'s consumption (docs/anomalies.md). Meters may not publish here.',
  },
  applianceState: {
    address: `${TOPIC_ROOT}/{deviceId}/appliances/{circuit}/{applianceId}`,
    publishers: ['backend'],
    subscribers: ['home-assistant', 'integration'],
    qos: 1,
    retain: true,
    payload: {
      contentType: 'application/json',
      schema: {
        type: 'object',
        properties: {
          state: { type: 'string', enum: ['running', 'idle'] },
          name: { type: 'string', maxLength: 64 },
          energy_wh: { type: 'number', minimum: 0 },
          runs_today: { type: 'integer', minimum: 0 },
          last_run_s: { type: ['integer', 'null'], minimum: 0 },
        },
        required: ['state', 'name', 'energy_wh', 'runs_today', 'last_run_s'],
      },
    },
    description: 'A named appliance of a circuit (docs/anomalies.md).',
  },
  haRelaySet: {
    address: `${TOPIC_ROOT}/{deviceId}/ha/{circuit}/set`,
    publishers: ['integration', 'home-assistant'],
    subscribers: ['backend'],
    qos: 1,
    retain: false,
    payload: { contentType: 'text/plain', schema: { type: 'string', enum: ['ON', 'OFF'] } },
    description: 'Asks for a relay change; the backend sends the command, re-sends it until the meter acks, and the result appears on relays. Retained requests and other payloads are ignored and counted.',
  },
  haTripReset: {
    address: `${TOPIC_ROOT}/{deviceId}/ha/{circuit}/reset`,
    publishers: ['integration', 'home-assistant'],
    subscribers: ['backend'],
    qos: 1,
    retain: false,
    payload: { contentType: 'text/plain', schema: { type: 'string', enum: ['PRESS'] } },
    description: "Asks to clear a circuit's protection trip (Home Assistant's reset button); the backend sends reset_trip. Retained requests and other payloads are ignored.",
  },
  haFirmwareInstall: {
    address: `${TOPIC_ROOT}/{deviceId}/ha/firmware/install`,
    publishers: ['integration', 'home-assistant'],
    subscribers: ['backend'],
    qos: 1,
    retain: false,
    payload: { contentType: 'text/plain', schema: { type: 'string', enum: ['install'] } },
    description: "Asks for the newest firmware on this meter (Home Assistant's update entity); the backend rolls it out (docs/ota.md). Retained requests and other payloads are ignored.",
  },
  firmwareLatest: {
    address: `${TOPIC_ROOT}/backend/firmware/latest`,
    publishers: ['backend'],
    subscribers: ['home-assistant', 'integration'],
    qos: 1,
    retain: true,
    payload: { contentType: 'text/plain', schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._+-]{0,31}$' } },
    description: 'The version of the newest uploaded firmware image: the latest_version of every Home Assistant update entity.',
  },
  haTriggers: {
    address: `${TOPIC_ROOT}/{deviceId}/ha/triggers`,
    publishers: ['backend'],
    subscribers: ['home-assistant'],
    qos: 1,
    retain: false,
    payload: {
      contentType: 'application/json',
      schema: (() => {
        const event = eventSchema.jsonSchema() as { properties: JsonSchema; required: string[] };
        const trigger = { type: 'string', description: 'the device trigger it fires, e.g. c3_protection_trip' };
        return { ...event, properties: { trigger, ...event.properties }, required: ['trigger', ...event.required] };
      })(),
    },
    description: "A meter's event (step change, trip, fault) as a Home Assistant device trigger: the event plus the trigger's key.",
  },
  backendStatus: {
    address: `${TOPIC_ROOT}/backend/status`,
    publishers: ['backend'],
    subscribers: ['home-assistant', 'integration'],
    qos: 1,
    retain: true,
    payload: { contentType: 'text/plain', schema: { type: 'string', enum: ['online', 'offline'] } },
    description: "The backend's Home Assistant bridge: online, or offline (also its last will). Entities are available only while it and the meter are online.",
  },
  heartbeat: {
    address: `${TOPIC_ROOT}/backend/heartbeat`,
    publishers: ['backend'],
    subscribers: ['meter'],
    qos: 0,
    retain: false,
    payload: 'heartbeat',
    description: 'Every HEARTBEAT_INTERVAL_S, or at least 3 times within the shortest failsafe on any meter: meters fall back to their failsafe without it.',
  },
  automationLease: {
    address: `${TOPIC_ROOT}/backend/automation/lease`,
    publishers: ['backend'],
    subscribers: ['backend'],
    qos: 1,
    retain: true,
    payload: {
      contentType: 'application/json',
      schema: {
        type: 'object',
        properties: {
          v: { type: 'integer', enum: [1] },
          holder: { type: 'string' },
          ttl_ms: { type: 'integer', minimum: 1 },
          ts: { type: 'integer' },
          released: { type: 'boolean' },
        },
        required: ['v', 'holder', 'ttl_ms', 'ts'],
      },
    },
    description: 'Backend ↔ backend: which instance runs the automation (docs/automation.md).',
  },
  ingestStored: {
    address: `${TOPIC_ROOT}/backend/ingest/stored`,
    publishers: ['backend'],
    subscribers: ['backend'],
    qos: 1,
    retain: false,
    payload: {
      contentType: 'application/json',
      schema: {
        type: 'object',
        properties: {
          v: { type: 'integer', enum: [1] },
          from: { type: 'string' },
          device: { type: 'string', pattern: DEVICE_ID_PATTERN.source },
          records: { type: 'array', items: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 2, maxItems: 2 } },
        },
        required: ['v', 'from', 'device', 'records'],
      },
    },
    description: 'Backend ↔ backend with MQTT_SHARE_GROUP: [first_seq, seq] of the records an instance stored, so either can advance a meter\'s ack.',
  },
} as const satisfies Record<string, ChannelDef>;

export type ChannelName = keyof typeof CHANNELS;
