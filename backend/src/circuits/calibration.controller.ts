import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiTags } from '@nestjs/swagger';
import { CalibrationParams, calibrationSchema } from '@dinmeter/shared';
import { COMMAND_ACCEPTED } from '../commands/commands.openapi';
import { CommandsService } from '../commands/commands.service';
import { commandAccepted } from '../commands/commands.types';
import { fromShared } from '../openapi/schema';
import { CircuitParamPipe, DeviceIdPipe } from '../common/params';
import { RequireRole } from '../security/roles';
import { CalibrationPipe } from './calibration.pipe';

@ApiTags('circuits')
@Controller('devices/:id/circuits/:circuit')
export class CalibrationController {
  constructor(private readonly commands: CommandsService) {}

  /** Body: any of plconst, lgain, ugain, igainL, …, pga, ctRatio, meterConstant (validated by the shared schema). 202 {commandId}. */
  @Post('calibrate')
  @RequireRole('admin')
  @HttpCode(202)
  @ApiBody({ schema: fromShared(calibrationSchema) })
  @ApiAcceptedResponse({ schema: COMMAND_ACCEPTED })
  calibrate(
    @Param('id', DeviceIdPipe) id: string,
    @Param('circuit', CircuitParamPipe) circuit: number,
    @Body(CalibrationPipe) calibration: CalibrationParams,
  ) {
    return commandAccepted(this.commands.send(id, { op: 'calibrate', circuit, calibration }));
  }
}
