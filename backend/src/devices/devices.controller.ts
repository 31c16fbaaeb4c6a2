import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CIRCUITS, DEVICE, DEVICE_SUMMARIES, SERIES } from './devices.openapi';
import { DevicesService } from './devices.service';
import { SeriesQueryDto } from './devices.dto';
import { CircuitParamPipe, DeviceIdPipe } from '../common/params';
import { SeriesService } from './series.service';

@ApiTags('devices')
@Controller('devices')
export class DevicesController {
  constructor(
    private readonly devices: DevicesService,
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
}
