import { haRelaySetTopic, haStatusTopic, haTripResetTopic, topics } from '@dinmeter/shared';
import { BACKEND_CLIENT_PREFIX, BrokerIdentity, clientIdDenial, publishDenial, subscribeDenial } from './broker-acl';

const meter: BrokerIdentity = { kind: 'meter', username: 'meter-01' };
const backend: BrokerIdentity = { kind: 'backend', username: 'dinmeter-backend' };
const ha: BrokerIdentity = { kind: 'homeassistant', username: 'homeassistant' };
const PREFIX = 'homeassistant';

describe('publishDenial', () => {
  it.each([topics.status, topics.telemetry, topics.telemetryBatch, topics.events, topics.cmdAck, topics.relays])('should let a meter publish its own %p topic', (build) => {
    expect(publishDenial(meter, build('meter-01'), PREFIX)).toBeUndefined();
  });

  it.each([topics.cmd, topics.plan, topics.telemetryAck, topics.alerts])('should refuse a meter publishing to its own %p topic', (build) => {
    expect(publishDenial(meter, build('meter-01'), PREFIX)).toBe(`meter meter-01 may not publish to ${build('meter-01')}`);
  });

  it('should refuse a meter publishing as another meter', () => {
    expect(publishDenial(meter, topics.telemetry('meter-02'), PREFIX)).toBe('meter meter-01 may not publish to dinmeter/meter-02/telemetry');
    expect(publishDenial(meter, topics.telemetryBatch('meter-02'), PREFIX)).toBe('meter meter-01 may not publish to dinmeter/meter-02/telemetry/batch');
  });

  it.each(['dinmeter/backend/heartbeat', 'dinmeter', 'dinmeter/meter-01/unknown', 'dinmeter/meter-01/status/x', 'noise/x', 'homeassistant/switch/x/config', haRelaySetTopic('meter-01', 3)])(
    'should refuse a meter publishing to %p',
    (topic) => {
      expect(publishDenial(meter, topic, PREFIX)).toMatch(/^meter meter-01 may not publish/);
    },
  );

  it.each([topics.cmd('meter-01'), topics.plan('meter-02'), 'homeassistant/switch/x/config', 'anything/else'])('should let the backend publish to %p', (topic) => {
    expect(publishDenial(backend, topic, PREFIX)).toBeUndefined();
  });

  it('should refuse $-topics to everyone', () => {
    expect(publishDenial(backend, '$SYS/x', PREFIX)).toBe('$SYS/x: $-topics are reserved');
  });

  it('should let Home Assistant ask for relay changes and trip resets and announce itself', () => {
    expect(publishDenial(ha, haRelaySetTopic('meter-01', 3), PREFIX)).toBeUndefined();
    expect(publishDenial(ha, haTripResetTopic('meter-01', 3), PREFIX)).toBeUndefined();
    expect(publishDenial(ha, haStatusTopic(PREFIX), PREFIX)).toBeUndefined();
    expect(publishDenial(ha, 'ha/status', 'ha')).toBeUndefined();
  });

  it.each([topics.cmd('meter-01'), topics.plan('meter-01'), topics.relays('meter-01'), 'homeassistant/switch/dinmeter_meter-01_c3_relay/config', 'dinmeter/meter-01/ha/11/set', 'dinmeter/meter-01/ha/triggers', topics.backendStatus()])(
    'should refuse Home Assistant publishing to %p',
    (topic) => {
      expect(publishDenial(ha, topic, PREFIX)).toMatch(/^homeassistant may publish only/);
    },
  );
});

describe('subscribeDenial', () => {
  it.each([topics.cmd('meter-01'), topics.plan('meter-01'), topics.telemetryAck('meter-01'), topics.heartbeat()])('should let a meter subscribe to %p', (filter) => {
    expect(subscribeDenial(meter, filter, PREFIX)).toBeUndefined();
  });

  it.each([topics.cmd('meter-02'), topics.telemetry('meter-01'), 'dinmeter/meter-01/#', 'dinmeter/+/cmd', 'dinmeter/#', '#', 'homeassistant/#'])(
    'should refuse a meter subscribing to %p',
    (filter) => {
      expect(subscribeDenial(meter, filter, PREFIX)).toBe(`meter meter-01 may not subscribe to ${filter}`);
    },
  );

  it.each(['dinmeter/#', 'dinmeter/meter-01/relays', 'homeassistant/#'])('should let Home Assistant subscribe to %p', (filter) => {
    expect(subscribeDenial(ha, filter, PREFIX)).toBeUndefined();
  });

  it.each(['#', '+/+/cmd', '$SYS/#'])('should refuse Home Assistant subscribing to %p', (filter) => {
    expect(subscribeDenial(ha, filter, PREFIX)).toMatch(/^homeassistant may subscribe only/);
  });

  it('should let the backend subscribe to anything', () => {
    expect(subscribeDenial(backend, '#', PREFIX)).toBeUndefined();
  });
});

describe('clientIdDenial', () => {
  const isMeter = (id: string) => ['meter-01', 'meter-02'].includes(id);

  it('should let a meter connect with its own id only', () => {
    expect(clientIdDenial(meter, 'meter-01', isMeter)).toBeUndefined();
    expect(clientIdDenial(meter, 'meter-02', isMeter)).toBe('meter meter-01 must connect with client id meter-01, not meter-02');
  });

  it("should refuse anyone else a meter's id", () => {
    expect(clientIdDenial(ha, 'meter-02', isMeter)).toBe('homeassistant may not use the client id of meter meter-02');
    expect(clientIdDenial(backend, 'meter-02', isMeter)).toBe('dinmeter-backend may not use the client id of meter meter-02');
  });

  it("should keep the backend's client ids for the backend", () => {
    expect(clientIdDenial(ha, `${BACKEND_CLIENT_PREFIX}x`, isMeter)).toMatch(/may not use a backend client id/);
    expect(clientIdDenial(backend, `${BACKEND_CLIENT_PREFIX}x`, isMeter)).toBeUndefined();
    expect(clientIdDenial(ha, 'aBcDeFgHiJkLmNoPqRsTuV', isMeter)).toBeUndefined();
  });
});
