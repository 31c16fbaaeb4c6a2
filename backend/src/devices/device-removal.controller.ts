import { Controller, Delete, Param } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { DEVICE } from '../api/api.openapi';
import { DeviceIdPipe } from '../api/params';
import { RequireRole } from '../security/roles';
import { DeviceRecord } from './devices.types';
import { DevicesService } from './devices.service';

/** DELETE /api/devices/:id (admin): forgets a meter and its Home Assistant entities (docs/homeassistant.md). */
@ApiTags('devices')
@Controller('devices')
export class DeviceRemovalController {
  constructor(private readonly devices: DevicesService) {}

  @Delete(':id')
  @RequireRole('admin')
  @ApiOkResponse({ schema: DEVICE, description: 'The meter as it was; its readings stay in InfluxDB. A meter that publishes again is registered again.' })
  remove(@Param('id', DeviceIdPipe) id: string): DeviceRecord {
    return this.devices.remove(id);
  }
}
