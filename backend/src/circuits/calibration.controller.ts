import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiTags } from '@nestjs/swagger';
import { calibrationSchema } from '@dinmeter/shared';
import { COMMAND_ACCEPTED } from '../commands/commands.openapi';
import { fromShared } from '../openapi/schema';
import { CircuitParamPipe, DeviceIdPipe } from '../common/params';
import { CalibrationService } from './calibration.service';
import { RequireRole } from '../security/roles';

@ApiTags('circuits')
@Controller('devices/:id/circuits/:circuit')
export class CalibrationController {
  constructor(private readonly calibration: CalibrationService) {}

  /** Body: any of plconst, lgain, ugain, igainL, …, pga, ctRatio, meterConstant (validated by the shared schema). 202 {commandId}. */
  @Post('calibrate')
  @RequireRole('admin')
  @HttpCode(202)
  @ApiBody({ schema: fromShared(calibrationSchema) })
  @ApiAcceptedResponse({ schema: COMMAND_ACCEPTED })
  calibrate(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number, @Body() body: object) {
    const record = this.calibration.calibrate(id, circuit, body);
    return { commandId: record.commandId, status: record.status, expiresAt: new Date(record.expiresAt).toISOString() };
  }
}
