import { Controller, Delete, HttpCode, Param } from '@nestjs/common';
import { ApiNoContentResponse, ApiTags } from '@nestjs/swagger';
import { DeviceIdPipe } from '../common/params';
import { RequireRole } from '../security/roles';
import { DevicesService } from './devices.service';

/** DELETE /api/devices/:id (admin): forgets a meter and its Home Assistant entities (docs/homeassistant.md). */
@ApiTags('devices')
@Controller('devices')
export class DeviceRemovalController {
  constructor(private readonly devices: DevicesService) {}

  @Delete(':id')
  @HttpCode(204)
  @RequireRole('admin')
  @ApiNoContentResponse({ description: 'The meter is forgotten, its Home Assistant entities removed.' })
  remove(@Param('id', DeviceIdPipe) id: string): void {
    this.devices.remove(id);
  }
}
