import { Body, Controller, Delete, Get, Param, Put } from '@nestjs/common';
import { CircuitParamPipe, DeviceIdPipe } from '../api/params';
import { AnomalySettingsDto, NameApplianceDto } from './appliances.dto';
import { AppliancesService } from './appliances.service';
import { ApplianceIdPipe } from './appliances.params';
import { RequireRole } from '../security/roles';

@Controller()
export class AppliancesController {
  constructor(private readonly appliances: AppliancesService) {}

  @Get('devices/:id/circuits/:circuit/appliances')
  list(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number) {
    return this.appliances.list(id, circuit);
  }

  @Put('devices/:id/circuits/:circuit/appliances/:applianceId')
  @RequireRole('control')
  name(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number, @Param('applianceId', ApplianceIdPipe) applianceId: string, @Body() body: NameApplianceDto) {
    return this.appliances.name(id, circuit, applianceId, body.name.trim());
  }

  @Delete('devices/:id/circuits/:circuit/appliances/:applianceId')
  @RequireRole('control')
  unname(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number, @Param('applianceId', ApplianceIdPipe) applianceId: string) {
    return this.appliances.name(id, circuit, applianceId, undefined);
  }

  @Get('devices/:id/circuits/:circuit/anomaly-settings')
  settings(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number) {
    return this.appliances.settings(id, circuit);
  }

  @Put('devices/:id/circuits/:circuit/anomaly-settings')
  @RequireRole('control')
  setSettings(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number, @Body() body: AnomalySettingsDto) {
    return this.appliances.setSettings(id, circuit, body);
  }

  @Get('devices/:id/alerts')
  deviceAlerts(@Param('id', DeviceIdPipe) id: string) {
    return this.appliances.alerts(id);
  }

  @Get('devices/:id/circuits/:circuit/alerts')
  circuitAlerts(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number) {
    return this.appliances.alerts(id, circuit);
  }
}
