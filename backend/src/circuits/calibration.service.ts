import { BadRequestException, Injectable } from '@nestjs/common';
import { calibrationSchema, validate } from '@dinmeter/shared';
import { CommandsService } from '../commands/commands.service';
import { CommandRecord } from '../commands/commands.types';
import { DevicesService } from '../devices/devices.service';

/** Sends ATM90E26 calibration (docs/hardware.md "Calibration") to one circuit's chip; the meter validates, applies and stores it. */
@Injectable()
export class CalibrationService {
  constructor(
    private readonly commands: CommandsService,
    private readonly devices: DevicesService,
  ) {}

  calibrate(deviceId: string, circuit: number, body: unknown): CommandRecord {
    this.devices.get(deviceId);
    const checked = validate(calibrationSchema, body, 'body');
    if (!checked.ok) throw new BadRequestException(checked.errors);
    if (Object.keys(checked.value).length === 0) throw new BadRequestException('give at least one calibration value');
    return this.commands.send(deviceId, { op: 'calibrate', circuit, calibration: checked.value });
  }
}
