import {
  DEVICE_TOPIC_KINDS,
  deviceTopic,
  haDiscoveryTopic,
  haStatusTopic,
  isValidDeviceId,
  parseDeviceTopic,
  topics,
} from './topics';

const BAD_IDS = ['', 'a/b', 'a+b', '+', 'a#', '#', 'has space', ' lead', 'backend', '-lead', '.lead', 'ü', 'x'.repeat(65), 'a\u0000'];

describe('isValidDeviceId', () => {
  it.each(['meter-01', 'M', 'a.b_c-d', '0', 'x'.repeat(64), 'Backend', 'backend2'])('should accept %p', (id) => {
    expect(isValidDeviceId(id)).toBe(true);
  });

  it.each(BAD_IDS)('should reject %p', (id) => {
    expect(isValidDeviceId(id)).toBe(false);
  });
});

describe('deviceTopic', () => {
  it.each(DEVICE_TOPIC_KINDS)('should build dinmeter/<id>/%s', (kind) => {
    expect(deviceTopic('meter-01', kind)).toBe(`dinmeter/meter-01/${kind}`);
  });

  it.each(BAD_IDS)('should throw on the device id %p, naming it', (id) => {
    expect(() => deviceTopic(id, 'status')).toThrow(`invalid device id ${JSON.stringify(id)}`);
  });
});

describe('topics', () => {
  it('should build an appliance state topic and refuse unsafe parts', () => {
    expect(topics.applianceState('m1', 3, 'a2')).toBe('dinmeter/m1/appliances/3/a2');
    expect(() => topics.applianceState('m1', 11, 'a2')).toThrow(/circuit/);
    expect(() => topics.applianceState('m1', 3, '+')).toThrow(/appliance id/);
  });

  it('should build one topic per kind through deviceTopic', () => {
    expect([
      topics.status('m1'),
      topics.telemetry('m1'),
      topics.telemetryAck('m1'),
      topics.telemetryBatch('m1'),
      topics.events('m1'),
      topics.eventsAck('m1'),
      topics.cmd('m1'),
      topics.cmdAck('m1'),
      topics.relays('m1'),
      topics.plan('m1'),
      topics.alerts('m1'),
    ]).toEqual(DEVICE_TOPIC_KINDS.map((kind) => `dinmeter/m1/${kind}`));
  });

  it('should refuse a reserved or wildcard id in every builder', () => {
    for (const build of [topics.status, topics.telemetry, topics.cmd, topics.plan]) {
      expect(() => build('backend')).toThrow(/invalid device id "backend"/);
      expect(() => build('+')).toThrow(/invalid device id "\+"/);
    }
  });

  it('should build the heartbeat and subscription filters', () => {
    expect(topics.heartbeat()).toBe('dinmeter/backend/heartbeat');
    expect(topics.allDevices('telemetry')).toBe('dinmeter/+/telemetry');
    expect(topics.allDevices('cmd/ack')).toBe('dinmeter/+/cmd/ack');
    expect(topics.everything()).toBe('dinmeter/#');
  });
});

describe('parseDeviceTopic', () => {
  it.each(DEVICE_TOPIC_KINDS)('should round-trip the %s topic', (kind) => {
    expect(parseDeviceTopic(deviceTopic('meter.7', kind))).toEqual({ deviceId: 'meter.7', kind });
  });

  it.each([
    'dinmeter/backend/heartbeat',
    'dinmeter/backend/status',
    'dinmeter/m1',
    'dinmeter/m1/',
    'dinmeter//status',
    'dinmeter/m1/unknown',
    'dinmeter/m1/status/extra',
    'dinmeter/m1/telemetry/ack/x',
    'dinmeter/m1/ack',
    'dinmeter/+/status',
    'dinmeter/#',
    'dinmeter/a b/status',
    'Dinmeter/m1/status',
    'other/m1/status',
    '/dinmeter/m1/status',
    'dinmeter',
    '',
    'homeassistant/sensor/x/config',
  ])('should reject the foreign topic %p', (topic) => {
    expect(parseDeviceTopic(topic)).toBeUndefined();
  });
});

describe('haDiscoveryTopic', () => {
  it('should build a retained config topic', () => {
    expect(haDiscoveryTopic('sensor', 'm1_c3_power_w')).toBe('homeassistant/sensor/m1_c3_power_w/config');
    expect(haStatusTopic()).toBe('homeassistant/status');
  });

  it.each(['a/b', 'a+b', '#', '', 'with space', 'dot.ted'])('should throw on the object id %p', (id) => {
    expect(() => haDiscoveryTopic('switch', id)).toThrow(`invalid Home Assistant object id ${JSON.stringify(id)}`);
  });
});
