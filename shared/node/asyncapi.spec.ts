import { CHANNELS } from '../src/protocol/channels';
import { MESSAGE_SCHEMAS } from '../src/protocol/codec';
import { DEVICE_TOPIC_KINDS, deviceTopic, haFirmwareInstallTopic, haRelaySetTopic, haTripResetTopic, topics } from '../src/protocol/topics';
import { buildAsyncApiDocument } from './asyncapi';

/** A channel address as a regular expression: each {parameter} is one topic level; a device id is never "backend". */
const addressPattern = (address: string) => new RegExp(`^${address.replace('{deviceId}', '(?!backend/)[^/+#]+').replace(/\{\w+\}/g, '[^/+#]+')}$`);
const channelOf = (topic: string) => Object.entries(CHANNELS).filter(([, c]) => addressPattern(c.address).test(topic)).map(([name]) => name);

describe(buildAsyncApiDocument.name, () => {
  const document = buildAsyncApiDocument() as {
    channels: Record<string, { address: string; parameters?: Record<string, unknown> }>;
    operations: Record<string, { action: string; bindings: { mqtt: { qos: number; retain: boolean } } }>;
    components: { messages: Record<string, { payload: unknown }> };
  };

  it('should have exactly one channel for every topic the protocol builds', () => {
    const built = [
      ...DEVICE_TOPIC_KINDS.map((kind) => deviceTopic('meter-01', kind)),
      topics.applianceState('meter-01', 3, 'a12'),
      topics.heartbeat(),
      topics.ingestStored(),
      topics.automationLease(),
      topics.backendStatus(),
      topics.haTriggers('meter-01'),
      haRelaySetTopic('meter-01', 10),
      haTripResetTopic('meter-01', 2),
      haFirmwareInstallTopic('meter-01'),
      topics.firmwareLatest(),
    ];
    const builders = Object.keys(topics).filter((name) => !['allDevices', 'everything', 'sharedSubscription'].includes(name));
    expect(builders.length).toBe(DEVICE_TOPIC_KINDS.length + 7); // a new topic builder needs a channel here and in CHANNELS
    expect(built.map((topic) => [topic, channelOf(topic).length])).toEqual(built.map((topic) => [topic, 1]));
    expect(Object.keys(CHANNELS).length).toBe(built.length);
  });

  it('should take each JSON payload schema from the codec', () => {
    expect(document.components.messages.telemetry.payload).toEqual(MESSAGE_SCHEMAS.telemetry.jsonSchema());
    expect(document.components.messages.cmd.payload).toEqual(MESSAGE_SCHEMAS.cmd.jsonSchema());
  });

  it('should describe QoS and retain as MQTT bindings, and name every address parameter', () => {
    expect(document.operations.status.bindings.mqtt).toMatchObject({ qos: 1, retain: true });
    expect(document.operations.heartbeat.bindings.mqtt).toMatchObject({ qos: 0, retain: false });
    expect(document.operations.haRelaySet.action).toBe('receive');
    expect(document.operations.telemetry.action).toBe('send');
    for (const channel of Object.values(document.channels)) {
      const names = [...channel.address.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(Object.keys(channel.parameters ?? {})).toEqual(names);
      for (const name of names) expect(channel.parameters?.[name]).toBeDefined();
    }
  });
});
