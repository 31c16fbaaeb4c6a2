import { Logger } from '@nestjs/common';
import { InMemoryMqttBus } from './in-memory-mqtt-bus.testing';

describe('MqttDispatch', () => {
  afterEach(() => jest.restoreAllMocks());

  describe('subscribe', () => {
    it('should run every handler whose filter matches, once each', () => {
      const bus = new InMemoryMqttBus();
      const seen: string[] = [];
      const both = (topic: string) => seen.push(`both ${topic}`);
      bus.subscribe('dinmeter/+/status', (topic) => seen.push(`status ${topic}`));
      bus.subscribe('dinmeter/backend/status', both);
      bus.subscribe('dinmeter/#', both);
      bus.subscribe('homeassistant/status', (topic) => seen.push(`ha ${topic}`));

      bus.deliver('dinmeter/backend/status', 'online');

      expect(seen).toEqual(['status dinmeter/backend/status', 'both dinmeter/backend/status']);
    });

    it('should hold a filter on the broker from its first handler to its last', () => {
      const bus = new InMemoryMqttBus();
      const first = bus.subscribe('dinmeter/backend/ingest/stored', () => undefined);
      const second = bus.subscribe('dinmeter/backend/ingest/stored', () => undefined);
      first();
      expect([...bus.brokerFilters]).toEqual(['dinmeter/backend/ingest/stored']);
      second();
      expect([...bus.brokerFilters]).toEqual([]);
    });

    it('should run the other handlers when one throws', () => {
      jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      const bus = new InMemoryMqttBus();
      const after = jest.fn();
      bus.subscribe('a/b', () => {
        throw new Error('bad handler');
      });
      bus.subscribe('a/+', after);

      bus.deliver('a/b', 'x', true);

      expect(after).toHaveBeenCalledWith('a/b', Buffer.from('x'), true);
    });
  });

  describe('on', () => {
    it('should hand device messages of one kind to the handler with the device id', () => {
      const bus = new InMemoryMqttBus();
      const acks = jest.fn();
      bus.on('cmd/ack', acks);

      bus.deliver('dinmeter/m1/cmd/ack', '{}');
      bus.deliver('dinmeter/m1/status', '{}');

      expect(acks.mock.calls).toEqual([['m1', Buffer.from('{}'), false]]);
    });

    it('should take telemetry alone through the share group', () => {
      const bus = new InMemoryMqttBus({ shareGroup: 'ingest' });
      bus.on('telemetry', () => undefined);
      bus.on('status', () => undefined);
      expect([...bus.brokerFilters]).toEqual(['$share/ingest/dinmeter/+/telemetry', 'dinmeter/+/status']);
    });
  });

  describe('onConnect', () => {
    it('should call the listeners after every connect', () => {
      const bus = new InMemoryMqttBus({ connected: false });
      const listener = jest.fn();
      bus.onConnect(listener);
      bus.connect();
      bus.connect();
      expect(listener).toHaveBeenCalledTimes(2);
    });
  });
});
