import { BadRequestException, PipeTransform } from '@nestjs/common';
import { CalibrationParams, calibrationSchema, validate } from '@dinmeter/shared';

/** The body of POST …/calibrate: ATM90E26 calibration (docs/hardware.md "Calibration"), checked by the shared schema; the meter checks it again, applies and stores it. */
export class CalibrationPipe implements PipeTransform<unknown, CalibrationParams> {
  transform(body: unknown): CalibrationParams {
    const checked = validate(calibrationSchema, body, 'body');
    if (!checked.ok) throw new BadRequestException(checked.errors);
    if (Object.keys(checked.value).length === 0) throw new BadRequestException('give at least one calibration value');
    return checked.value;
  }
}
