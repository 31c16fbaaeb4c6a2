import { BadRequestException } from '@nestjs/common';
import { CalibrationPipe } from './calibration.pipe';

describe(CalibrationPipe.name, () => {
  describe('transform', () => {
    it('should pass the validated values on', () => {
      expect(new CalibrationPipe().transform({ ugain: 0x6720, ctRatio: 2000 })).toEqual({ ugain: 0x6720, ctRatio: 2000 });
    });

    it.each([
      [{ ugain: 70000 }, /body.ugain: 70000 is above the maximum 65535/],
      [{ pga: 3 }, /body.pga: expected one of/],
      [{ gain: 1 }, /unknown field .{1,2}gain/],
      [{}, /at least one calibration value/],
    ])('should refuse %j with a 400', (body, message) => {
      let error: unknown;
      try {
        new CalibrationPipe().transform(body);
      } catch (e) {
        error = e;
      }

      expect(error).toBeInstanceOf(BadRequestException);
      expect(JSON.stringify((error as BadRequestException).getResponse())).toMatch(message);
    });
  });
});
