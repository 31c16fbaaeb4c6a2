import { BadRequestException, NotFoundException } from '@nestjs/common';
import { CommandsService } from '../commands/commands.service';
import { DevicesService } from '../devices/devices.service';
import { CalibrationService } from './calibration.service';

describe(CalibrationService.name, () => {
  const setup = (known = true) => {
    const commands = { send: jest.fn((deviceId: string, body: unknown) => ({ commandId: 'c1', deviceId, body })) };
    const devices = {
      get: jest.fn((id: string) => {
        if (!known) throw new NotFoundException(`unknown device ${id}`);
        return { id };
      }),
    };
    return { commands, service: new CalibrationService(commands as unknown as CommandsService, devices as unknown as DevicesService) };
  };

  describe('calibrate', () => {
    it('should send a calibrate command with the validated values', () => {
      const { commands, service } = setup();

      service.calibrate('vm-1', 4, { ugain: 0x6720, ctRatio: 2000 });

      expect(commands.send).toHaveBeenCalledWith('vm-1', { op: 'calibrate', circuit: 4, calibration: { ugain: 0x6720, ctRatio: 2000 } });
    });

    it.each([
      [{ ugain: 70000 }, /body.ugain: 70000 is above the maximum 65535/],
      [{ pga: 3 }, /body.pga: expected one of/],
      [{ gain: 1 }, /unknown field .{1,2}gain/],
      [{}, /at least one calibration value/],
    ])('should refuse %j with a 400 and send nothing', (body, message) => {
      const { commands, service } = setup();

      let error: unknown;
      try {
        service.calibrate('vm-1', 4, body);
      } catch (e) {
        error = e;
      }

      expect(error).toBeInstanceOf(BadRequestException);
      expect(JSON.stringify((error as BadRequestException).getResponse())).toMatch(message);
      expect(commands.send).not.toHaveBeenCalled();
    });

    it('should answer 404 for an unknown device', () => {
      const { commands, service } = setup(false);

      expect(() => service.calibrate('nope', 1, { ugain: 1 })).toThrow(NotFoundException);
      expect(commands.send).not.toHaveBeenCalled();
    });
  });
});
