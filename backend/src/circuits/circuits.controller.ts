import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { CircuitParamPipe, DeviceIdPipe } from '../api/params';
import { CircuitConfigDto } from './circuit-config.dto';
import { CircuitConfigService } from './circuit-config.service';
import { CircuitTripService } from './circuit-trip.service';
import { RequireRole } from '../security/roles';

@Controller('devices/:id/circuits/:circuit')
export class CircuitsController {
  constructor(
    private readonly configs: CircuitConfigService,
    private readonly trips: CircuitTripService,
  ) {}

  @Get('config')
  get(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number) {
    return this.configs.get(id, circuit);
  }

  @Put('config')
  @RequireRole('admin')
  put(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number, @Body() body: CircuitConfigDto) {
    return this.configs.update(id, circuit, body);
  }

  /** Clears the overcurrent trip latch: 202 with the command to follow on GET /api/commands/:id. */
  @Post('reset')
  @RequireRole('control')
  @HttpCode(202)
  reset(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number) {
    const record = this.trips.reset(id, circuit);
    return { commandId: record.commandId, status: record.status, expiresAt: new Date(record.expiresAt).toISOString() };
  }
}
