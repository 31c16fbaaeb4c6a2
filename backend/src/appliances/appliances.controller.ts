import { Body, Controller, Delete, Get, Param, Put } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ALERTS, ANOMALY_SETTINGS, APPLIANCE, APPLIANCES } from './appliances.openapi';
import { CircuitParamPipe, DeviceIdPipe } from '../common/params';
import { AnomalySettingsDto, NameApplianceDto } from './appliances.dto';
import { AppliancesService } from './appliances.service';
import { ApplianceIdPipe } from './appliances.params';
import { RequireRole } from '../security/roles';

@ApiTags('appliances')
@Controller()
export class AppliancesController {
  constructor(private readonly appliances: AppliancesService) {}

  @Get('devices/:id/circuits/:circuit/appliances')
  @ApiOkResponse({ schema: APPLIANCES })
  list(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number) {
    return this.appliances.list(id, circuit);
  }

  @Put('devices/:id/circuits/:circuit/appliances/:applianceId')
  @RequireRole('control')
  @ApiOkResponse({ schema: APPLIANCE })
  name(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number, @Param('applianceId', ApplianceIdPipe) applianceId: string, @Body() body: NameApplianceDto) {
    return this.appliances.name(id, circuit, applianceId, body.name.trim());
  }

  @Delete('devices/:id/circuits/:circuit/appliances/:applianceId')
  @RequireRole('control')
  @ApiOkResponse({ schema: APPLIANCE, description: 'The name is removed; the appliance stays a candidate.' })
  unname(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number, @Param('applianceId', ApplianceIdPipe) applianceId: string) {
    return this.appliances.name(id, circuit, applianceId, undefined);
  }

  @Get('devices/:id/circuits/:circuit/anomaly-settings')
  @ApiOkResponse({ schema: ANOMALY_SETTINGS })
  settings(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number) {
    return this.appliances.settings(id, circuit);
  }

  @Put('devices/:id/circuits/:circuit/anomaly-settings')
  @RequireRole('control')
  @ApiOkResponse({ schema: ANOMALY_SETTINGS })
  setSettings(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number, @Body() body: AnomalySettingsDto) {
    return this.appliances.setSettings(id, circuit, body);
  }

  @Get('devices/:id/alerts')
  @ApiOkResponse({ schema: ALERTS })
  deviceAlerts(@Param('id', DeviceIdPipe) id: string) {
    return this.appliances.alerts(id);
  }

  @Get('devices/:id/circuits/:circuit/alerts')
  @ApiOkResponse({ schema: ALERTS })
  circuitAlerts(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number) {
    return this.appliances.alerts(id, circuit);
  }
}
