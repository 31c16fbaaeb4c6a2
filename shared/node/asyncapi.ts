/**
 * The AsyncAPI 3.0 document of the MQTT side (docs/asyncapi.json), generated from the protocol's own
 * table of channels and payload schemas, so it cannot drift from what the meter and the backend
 * validate. `npm run openapi` writes it; asyncapi.spec.ts fails when the committed file is stale.
 * Operations are seen from the dinmeter system (meters and backend): `send` for what it publishes,
 * `receive` for what integrations publish to it.
 */
import { CHANNELS, ChannelDef } from '../src/protocol/channels';
import { MESSAGE_SCHEMAS, MessageKind } from '../src/protocol/codec';
import { PROTOCOL_VERSION } from '../src/protocol/messages';
import { exampleMessage } from '../src/protocol/protocol.examples';
import { DEVICE_ID_PATTERN } from '../src/protocol/topics';
import { CIRCUIT_COUNT } from '../src/protocol/metrics';
import { JsonSchema } from '../src/protocol/schema';

const PARAMETERS: Record<string, JsonSchema> = {
  deviceId: { description: `The meter's id: ${DEVICE_ID_PATTERN.source}; "backend" is reserved.`, examples: ['meter-01'] },
  circuit: { description: `Circuit number 1…${CIRCUIT_COUNT}.`, enum: Array.from({ length: CIRCUIT_COUNT }, (_, k) => String(k + 1)) },
  applianceId: { description: 'Appliance id the backend assigned: a1, a2, …', examples: ['a1'] },
};

function message(name: string, channel: ChannelDef): JsonSchema {
  const { payload } = channel;
  if (typeof payload === 'string') {
    const kind = payload as MessageKind;
    return {
      name,
      contentType: 'application/json',
      payload: MESSAGE_SCHEMAS[kind].jsonSchema(),
      examples: [{ name: `${name}-example`, payload: exampleMessage(kind) }],
    };
  }
  return { name, contentType: payload.contentType, payload: payload.schema };
}

export function buildAsyncApiDocument(): JsonSchema {
  const channels: JsonSchema = {};
  const operations: JsonSchema = {};
  const messages: JsonSchema = {};
  for (const [name, def] of Object.entries(CHANNELS) as [string, ChannelDef][]) {
    const params = [...def.address.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    messages[name] = message(name, def);
    channels[name] = {
      address: def.address,
      description: def.description,
      ...(params.length > 0 ? { parameters: Object.fromEntries(params.map((p) => [p, PARAMETERS[p]])) } : {}),
      messages: { [name]: { $ref: `#/components/messages/${name}` } },
    };
    const systemSends = def.publishers.includes('meter') || def.publishers.includes('backend');
    operations[name] = {
      action: systemSends ? 'send' : 'receive',
      channel: { $ref: `#/channels/${name}` },
      summary: `${def.publishers.join(', ')} → ${def.subscribers.join(', ')}; QoS ${def.qos}${def.retain ? ', retained' : ', not retained'}`,
      messages: [{ $ref: `#/channels/${name}/messages/${name}` }],
      bindings: { mqtt: { qos: def.qos, retain: def.retain, bindingVersion: '0.2.0' } },
      'x-publishers': def.publishers,
      'x-subscribers': def.subscribers,
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'dinmeter MQTT',
      version: `${PROTOCOL_VERSION}.0.0`,
      description:
        'Topics and payloads between the meters, the backend and integrations (docs/protocol.md, docs/integrations.md). ' +
        'Every JSON payload carries v (the protocol version); timestamps are ms since the Unix epoch (UTC); units are in field names. ' +
        'Objects are closed: a payload with an unknown field is refused whole.',
    },
    defaultContentType: 'application/json',
    servers: {
      broker: {
        host: 'localhost:1883',
        protocol: 'mqtt',
        description: 'The backend\'s embedded broker (MQTT_PORT) or Mosquitto (infra/mosquitto); with TLS, mqtts on MQTT_TLS_PORT.',
      },
    },
    channels,
    operations,
    components: { messages },
  };
}
