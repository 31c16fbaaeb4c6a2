import { haRelaySetTopic, haTripResetTopic, topics } from '@dinmeter/shared';
import { BACKEND_CLIENT_PREFIX, publishDenial } from './broker-acl';

describe('publishDenial', () => {
  const backend = `${BACKEND_CLIENT_PREFIX}a1`;

  it.each([topics.status, topics.telemetry, topics.events, topics.cmdAck, topics.relays])(
    'should let a meter publish its own %p topic',
    (build) => {
      expect(publishDenial('meter-01', build('meter-01'))).toBeUndefined();
    },
  );

  it.each([topics.cmd, topics.plan, topics.telemetryAck])('should refuse a meter publishing to its own %p topic', (build) => {
    expect(publishDenial('meter-01', build('meter-01'))).toBe(`device meter-01 may not publish to ${build('meter-01')}`);
  });

  it('should refuse a meter publishing as another meter', () => {
    expect(publishDenial('meter-01', topics.telemetry('meter-02'))).toBe(
      'device meter-01 may not publish to dinmeter/meter-02/telemetry',
    );
  });

  it.each(['dinmeter/backend/heartbeat', 'dinmeter', 'dinmeter/meter-01/unknown', 'dinmeter/meter-01/status/x', 'dinmeter/+/cmd'])(
    'should refuse a meter publishing to %p',
    (topic) => {
      expect(publishDenial('meter-01', topic)).toMatch(/^device meter-01 may not publish/);
    },
  );

  it.each([topics.cmd('meter-01'), topics.plan('meter-01'), topics.heartbeat(), topics.telemetry('meter-01'), 'dinmeter/anything'])(
    'should let a backend instance publish %p',
    (topic) => {
      expect(publishDenial(backend, topic)).toBeUndefined();
    },
  );

  it.each(['mosquitto sub', 'has/slash', '', 'backend', 'a+b'])(
    'should refuse the non-device client %p anything under dinmeter/',
    (clientId) => {
      expect(publishDenial(clientId, topics.cmd('meter-01'))).toBe(`client ${clientId} may not publish under dinmeter/`);
      expect(publishDenial(clientId, 'dinmeter')).toBe(`client ${clientId} may not publish under dinmeter/`);
    },
  );

  it('should treat a client whose id is a valid device id as that device, never as a backend', () => {
    expect(publishDenial('mosquitto_sub_1', topics.cmd('meter-01'))).toBe('device mosquitto_sub_1 may not publish to dinmeter/meter-01/cmd');
    expect(publishDenial('dinmeter-backend', topics.cmd('meter-01'))).toMatch(/^device dinmeter-backend may not publish/);
  });

  it.each(['homeassistant/sensor/x/config', 'other/topic', 'dinmeterX/m1/status', 'Dinmeter/m1/cmd'])(
    'should leave topics outside dinmeter/ alone (%p)',
    (topic) => {
      expect(publishDenial('meter-01', topic)).toBeUndefined();
      expect(publishDenial('some client', topic)).toBeUndefined();
    },
  );
});

describe('publishDenial for the Home Assistant relay topic', () => {
  it.each(['homeassistant', 'mqttjs_3f2a1b', '5gX1qJ0rT9wYzA2bC4dE6f', 'meter-01', 'integration client'])(
    'should let the client %p ask for a relay change on dinmeter/<id>/ha/<circuit>/set',
    (clientId) => {
      expect(publishDenial(clientId, haRelaySetTopic('meter-02', 3))).toBeUndefined();
      expect(publishDenial(clientId, haRelaySetTopic('meter.02', 10))).toBeUndefined();
      expect(publishDenial(clientId, haTripResetTopic('meter-02', 3))).toBeUndefined();
    },
  );

  it.each(['dinmeter/meter-02/ha/0/set', 'dinmeter/meter-02/ha/11/set', 'dinmeter/meter-02/ha/3', 'dinmeter/meter-02/ha/3/set/x', 'dinmeter/+/ha/3/set', 'dinmeter/backend/ha/3/set', 'dinmeter/meter-02/ha/03/set'])(
    'should still refuse a non-backend client the look-alike %p',
    (topic) => {
      expect(publishDenial('integration client', topic)).toBe('client integration client may not publish under dinmeter/');
      expect(publishDenial('meter-01', topic)).toMatch(/^device meter-01 may not publish/);
    },
  );
});
