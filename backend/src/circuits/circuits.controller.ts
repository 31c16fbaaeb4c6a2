import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { COMMAND_ACCEPTED } from '../commands/commands.openapi';
import { CIRCUIT_CONFIG_VIEW } from './circuits.openapi';
import { CircuitParamPipe, DeviceIdPipe } from '../common/params';
import { CircuitConfigDto } from './circuit-config.dto';
import { CircuitConfigService } from './circuit-config.service';
import { CircuitTripService } from './circuit-trip.service';
import { RequireRole } from '../security/roles';

@ApiTags('circuits')
@Controller('devices/:id/circuits/:circuit')
export class CircuitsController {
  constructor(
    private readonly configs: CircuitConfigService,
    private readonly trips: CircuitTripService,
  ) {}

  @Get('config')
  @ApiOkResponse({ schema: CIRCUIT_CONFIG_VIEW })
  get(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number) {
    return this.configs.get(id, circuit);
  }

  @Put('config')
  @RequireRole('admin')
  @ApiOkResponse({ schema: CIRCUIT_CONFIG_VIEW, description: 'Stored and sent to the meter as a config command (commandId).' })
  put(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number, @Body() body: CircuitConfigDto) {
    return this.configs.update(id, circuit, body);
  }

  /** Clears the overcurrent trip latch: 202 with the command to follow on GET /api/commands/:id. */
  @Post('reset')
  @RequireRole('control')
  @HttpCode(202)
  @ApiAcceptedResponse({ schema: COMMAND_ACCEPTED })
  reset(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number) {
    const record = this.trips.reset(id, circuit);
    return { commandId: record.commandId, status: record.status, expiresAt: new Date(record.expiresAt).toISOString() };
  }
}
