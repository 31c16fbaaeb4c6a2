import { CommandsService } from '../commands/commands.service';
import { CommandRecord } from '../commands/commands.types';
import { DevicesService } from '../devices/devices.service';
import { CircuitConfigFile, CircuitConfigService } from './circuit-config.service';

describe(CircuitConfigService.name, () => {
  const setup = () => {
    const order: string[] = [];
    let settled: (record: CommandRecord) => void = () => undefined;
    let next = 0;
    const commands = {
      send: jest.fn((deviceId: string, body: CommandRecord['body']) => {
        order.push('command');
        return { commandId: `c${++next}`, deviceId, body } as CommandRecord;
      }),
      onSettled: (listener: (record: CommandRecord) => void) => (settled = listener),
    };
    const devices = { get: jest.fn(), setLabel: jest.fn() };
    let file: CircuitConfigFile | undefined;
    const repository = { load: (fallback: CircuitConfigFile) => file ?? fallback, save: (data: CircuitConfigFile) => (file = data), flush: jest.fn() };
    const service = new CircuitConfigService(repository, commands as unknown as CommandsService, devices as unknown as DevicesService);
    service.onModuleInit();
    service.onFailsafeChange(() => order.push(`failsafe ${service.shortestFailsafeSeconds()}`));
    const ack = (commandId: string, status: CommandRecord['status'] = 'acked') => {
      const body = commands.send.mock.calls[Number(commandId.slice(1)) - 1][1];
      settled({ commandId, deviceId: 'vm-1', body, status } as CommandRecord);
    };
    return { service, order, ack };
  };

  describe('shortestFailsafeSeconds', () => {
    it('should be undefined while only factory failsafes exist', () => {
      const { service } = setup();
      service.update('vm-1', 2, { label: 'oven' });
      expect(service.shortestFailsafeSeconds()).toBeUndefined();
    });

    it('should count a failsafe the meter has not confirmed yet, and the confirmed one until it is replaced', () => {
      const { service, ack } = setup();
      const first = service.update('vm-1', 2, { failsafe: { mode: 'off', afterSeconds: 5 } });
      expect(service.shortestFailsafeSeconds()).toBe(5);
      ack(first.commandId);
      const second = service.update('vm-1', 2, { failsafe: { mode: 'off', afterSeconds: 300 } });
      expect(service.shortestFailsafeSeconds()).toBe(5); // the meter still runs 5 s until it acks
      ack(second.commandId);
      expect(service.shortestFailsafeSeconds()).toBe(300);
    });

    it('should take the shortest over every device and circuit', () => {
      const { service } = setup();
      service.update('vm-1', 2, { failsafe: { mode: 'off', afterSeconds: 60 } });
      service.update('vm-2', 7, { failsafe: { mode: 'hold', afterSeconds: 8 } });
      expect(service.shortestFailsafeSeconds()).toBe(8);
    });
  });

  describe('onFailsafeChange', () => {
    it('should tell the listeners before the config command goes out', () => {
      const { service, order } = setup();
      service.update('vm-1', 2, { failsafe: { mode: 'off', afterSeconds: 5 } });
      expect(order).toEqual(['failsafe 5', 'command']);
    });

    it('should not fire for a change without a failsafe', () => {
      const { service, order } = setup();
      service.update('vm-1', 2, { overcurrentA: 10 });
      expect(order).toEqual(['command']);
    });

    it('should fire when an ack makes the shortest failsafe longer', () => {
      const { service, order, ack } = setup();
      ack(service.update('vm-1', 2, { failsafe: { mode: 'off', afterSeconds: 5 } }).commandId);
      ack(service.update('vm-1', 2, { failsafe: { mode: 'off', afterSeconds: 300 } }).commandId);
      expect(order).toEqual(['failsafe 5', 'command', 'failsafe 5', 'command', 'failsafe 300']);
    });
  });
});
