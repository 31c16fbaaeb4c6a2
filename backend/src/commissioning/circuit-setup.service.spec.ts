import { BadRequestException } from '@nestjs/common';
import { ctCalibration, ctModel } from '@dinmeter/shared';
import { CommandRecord } from '../commands/commands.types';
import { CircuitSetupService } from './circuit-setup.service';

describe(CircuitSetupService.name, () => {
  let settle: (record: CommandRecord) => void;
  let sent: { deviceId: string; circuit: number; calibration: any }[];
  let service: CircuitSetupService;
  let configs: { update: jest.Mock };
  const device = { id: 'vm-1', online: true, circuits: Array.from({ length: 10 }, (_, k) => ({ circuit: k + 1 })) };

  beforeEach(() => {
    sent = [];
    const repository = { load: (fallback: unknown) => fallback, save: jest.fn(), flush: jest.fn() };
    const devices = { get: jest.fn(() => device) };
    configs = { update: jest.fn(() => ({ commandId: 'cfg-1' })) };
    const commands = {
      onSettled: (listener: (record: CommandRecord) => void) => (settle = listener),
      send: jest.fn((deviceId: string, body: { circuit: number; calibration: unknown }) => {
        sent.push({ deviceId, circuit: body.circuit, calibration: body.calibration });
        return { commandId: `cal-${sent.length}` };
      }),
    };
    service = new CircuitSetupService(repository as never, devices as never, configs as never, commands as never);
    service.onModuleInit();
  });

  const ack = (commandId: string, status: CommandRecord['status'] = 'acked') => {
    const { deviceId, circuit, calibration } = sent[Number(commandId.split('-')[1]) - 1];
    settle({ commandId, deviceId, status, body: { op: 'calibrate', circuit, calibration } } as CommandRecord);
  };

  describe('update', () => {
    it("should send the CT model's calibration and take the model only once the meter acked it", () => {
      const result = service.update('vm-1', 4, { ctModel: 'SCT-013-030', label: 'oven' });
      expect(result.configCommandId).toBe('cfg-1');
      expect(sent[0].calibration).toEqual({ ...ctCalibration(ctModel('SCT-013-030')!), ctReversed: false });
      expect(service.circuitView('vm-1', 4)).toMatchObject({ ctModel: 'SCT-013-000', pendingCommandId: 'cal-1' });
      ack('cal-1');
      expect(service.circuitView('vm-1', 4)).toMatchObject({ ctModel: 'SCT-013-030', pendingCommandId: undefined });
    });

    it('should keep the old model and show the error when the meter refused', () => {
      service.update('vm-1', 4, { ctModel: 'SCT-013-030' });
      ack('cal-1', 'failed');
      expect(service.circuitView('vm-1', 4)).toMatchObject({ ctModel: 'SCT-013-000', lastError: 'failed' });
    });

    it("should send relay fitted to the meter in the config op (the setting its relay commands obey)", () => {
      const result = service.update('vm-1', 5, { relayFitted: false });
      expect(configs.update).toHaveBeenCalledWith('vm-1', 5, { relayFitted: false });
      expect(result.configCommandId).toBe('cfg-1');
      expect(service.circuitView('vm-1', 5).relayFitted).toBe(false);
      expect(sent).toEqual([]);
    });

    it('should refuse an unknown CT model and send nothing', () => {
      expect(() => service.update('vm-1', 4, { ctModel: 'SCT-9' })).toThrow(BadRequestException);
      expect(() => service.update('vm-1', 4, {})).toThrow(BadRequestException);
      expect(sent).toEqual([]);
    });
  });

  describe('flipCt', () => {
    it("should turn ctReversed over on top of the circuit's acked calibration", () => {
      service.update('vm-1', 2, { ctModel: 'SCT-013-050' });
      ack('cal-1');
      expect(service.flipCt('vm-1', 2)).toEqual({ commandId: 'cal-2', ctReversed: true });
      expect(sent[1].calibration).toEqual({ ...ctCalibration(ctModel('SCT-013-050')!), ctReversed: true });
      expect(service.circuitView('vm-1', 2).ctReversed).toBe(false);
      ack('cal-2');
      expect(service.circuitView('vm-1', 2).ctReversed).toBe(true);
      expect(service.flipCt('vm-1', 2).ctReversed).toBe(false);
    });
  });
});
