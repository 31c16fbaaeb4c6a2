import { Controller, Delete, HttpCode, Param } from '@nestjs/common';
import { DeviceIdPipe } from '../api/params';
import { RequireRole } from '../security/roles';
import { DevicesService } from './devices.service';

/** DELETE /api/devices/:id (admin): forgets a meter and its Home Assistant entities (docs/homeassistant.md). */
@Controller('devices')
export class DeviceRemovalController {
  constructor(private readonly devices: DevicesService) {}

  @Delete(':id')
  @HttpCode(204)
  @RequireRole('admin')
  remove(@Param('id', DeviceIdPipe) id: string): void {
    this.devices.remove(id);
  }
}
