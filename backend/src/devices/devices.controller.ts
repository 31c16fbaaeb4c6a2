import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { array } from '../openapi/schema';
import { CIRCUITS, DEVICE, DEVICE_SUMMARIES, SERIES } from './devices.openapi';
import { COMMAND, COMMAND_ACCEPTED } from '../commands/commands.openapi';
import { CommandsService } from '../commands/commands.service';
import { DevicesService } from './devices.service';
import { RelayCommandDto, SeriesQueryDto } from './devices.dto';
import { CircuitParamPipe, DeviceIdPipe } from '../common/params';
import { SeriesService } from './series.service';
import { RequireRole } from '../security/roles';

@ApiTags('devices')
@Controller('devices')
export class DevicesController {
  constructor(
    private readonly devices: DevicesService,
    private readonly commands: CommandsService,
    private readonly series: SeriesService,
  ) {}

  @Get()
  @ApiOkResponse({ schema: DEVICE_SUMMARIES })
  list() {
    return this.devices.list().map(({ circuits: _circuits, ...device }) => device);
  }

  @Get(':id')
  @ApiOkResponse({ schema: DEVICE })
  get(@Param('id', DeviceIdPipe) id: string) {
    return this.devices.get(id);
  }

  @Get(':id/circuits')
  @ApiOkResponse({ schema: CIRCUITS })
  circuits(@Param('id', DeviceIdPipe) id: string) {
    return this.devices.get(id).circuits;
  }

  @Get(':id/circuits/:circuit/series')
  @ApiOkResponse({ schema: SERIES, description: 'One aggregated value per `every` window of [from, to); default the last hour.' })
  circuitSeries(
    @Param('id', DeviceIdPipe) id: string,
    @Param('circuit', CircuitParamPipe) circuit: number,
    @Query() query: SeriesQueryDto,
  ) {
    return this.series.series(id, circuit, query);
  }

  @Post(':id/circuits/:circuit/relay')
  @RequireRole('control')
  @HttpCode(202)
  @ApiAcceptedResponse({ schema: COMMAND_ACCEPTED, description: 'Sent; follow it on GET /api/commands/{commandId}.' })
  relay(
    @Param('id', DeviceIdPipe) id: string,
    @Param('circuit', CircuitParamPipe) circuit: number,
    @Body() body: RelayCommandDto,
  ) {
    this.devices.get(id);
    const record = this.commands.send(id, { op: 'relay', circuit, state: body.state }, body.ttlSeconds);
    return { commandId: record.commandId, status: record.status, expiresAt: new Date(record.expiresAt).toISOString() };
  }

  @Get(':id/commands')
  @ApiOkResponse({ schema: array(COMMAND, 'newest first, at most 100') })
  history(@Param('id', DeviceIdPipe) id: string) {
    this.devices.get(id);
    return this.commands.history(id);
  }
}
