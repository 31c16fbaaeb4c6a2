import { Logger } from '@nestjs/common';
import { Counters } from '../common/counters';
import { DeviceMessageHandler, MqttService } from '../mqtt/mqtt.service';
import { DevicesService } from './devices.service';
import { DeviceRegistryFile } from './devices.types';
import { RelayHistoryService } from './relay-history.service';

describe(DevicesService.name, () => {
  const setup = () => {
    const handlers = new Map<string, DeviceMessageHandler>();
    const mqtt = { on: (kind: string, handler: DeviceMessageHandler) => handlers.set(kind, handler) } as unknown as MqttService;
    const repository = { load: (fallback: DeviceRegistryFile) => fallback, save: jest.fn(), flush: jest.fn() };
    const relayHistory = { watch: jest.fn(), record: jest.fn() } as unknown as RelayHistoryService;
    const service = new DevicesService(repository, () => 1_700_000_000_000, mqtt, new Counters(), relayHistory);
    service.onModuleInit();
    const changes = jest.fn();
    service.onFailsafeChange(changes);
    const status = (id: string, fields: Record<string, unknown>) => handlers.get('status')!(id, Buffer.from(JSON.stringify({ v: 1, ...fields })), true);
    return { service, status, changes };
  };

  beforeEach(() => jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  describe('shortestFailsafeSeconds', () => {
    it('should be undefined until a meter reports one', () => {
      const { service, status } = setup();
      status('vm-1', { online: true });
      expect(service.shortestFailsafeSeconds()).toBeUndefined();
    });

    it('should take the shortest failsafe_min_s over the meters, and tell the listeners when it changes', () => {
      const { service, status, changes } = setup();
      status('vm-1', { online: true, failsafe_min_s: 120 });
      status('vm-2', { online: true, failsafe_min_s: 5 });
      expect(service.shortestFailsafeSeconds()).toBe(5);
      expect(changes).toHaveBeenCalledTimes(2);
      status('vm-2', { online: true, failsafe_min_s: 5 });
      expect(changes).toHaveBeenCalledTimes(2);
    });

    it("should keep a meter's failsafe through its last will (it keeps its settings offline)", () => {
      const { service, status } = setup();
      status('vm-1', { online: true, failsafe_min_s: 5 });
      status('vm-1', { online: false });
      expect(service.get('vm-1').online).toBe(false);
      expect(service.shortestFailsafeSeconds()).toBe(5);
    });
  });
});
