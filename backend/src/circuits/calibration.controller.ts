import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CircuitParamPipe, DeviceIdPipe } from '../api/params';
import { CalibrationService } from './calibration.service';
import { RequireRole } from '../security/roles';

@Controller('devices/:id/circuits/:circuit')
export class CalibrationController {
  constructor(private readonly calibration: CalibrationService) {}

  /** Body: any of plconst, lgain, ugain, igainL, …, pga, ctRatio, meterConstant (validated by the shared schema). 202 {commandId}. */
  @Post('calibrate')
  @RequireRole('admin')
  @HttpCode(202)
  calibrate(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number, @Body() body: object) {
    const record = this.calibration.calibrate(id, circuit, body);
    return { commandId: record.commandId, status: record.status, expiresAt: new Date(record.expiresAt).toISOString() };
  }
}
