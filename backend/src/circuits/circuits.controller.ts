import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { CircuitParamPipe, DeviceIdPipe } from '../api/params';
import { CircuitConfigDto } from './circuit-config.dto';
import { CircuitConfigService } from './circuit-config.service';

@Controller('devices/:id/circuits/:circuit')
export class CircuitsController {
  constructor(private readonly configs: CircuitConfigService) {}

  @Get('config')
  get(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number) {
    return this.configs.get(id, circuit);
  }

  @Put('config')
  put(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number, @Body() body: CircuitConfigDto) {
    return this.configs.update(id, circuit, body);
  }
}
