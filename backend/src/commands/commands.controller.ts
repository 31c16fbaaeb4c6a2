import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { DeviceIdPipe } from '../common/params';
import { array } from '../openapi/schema';
import { COMMAND } from './commands.openapi';
import { DevicesService } from '../devices/devices.service';
import { CommandsService } from './commands.service';

@ApiTags('commands')
@Controller()
export class CommandsController {
  constructor(
    private readonly commands: CommandsService,
    private readonly devices: DevicesService,
  ) {}

  @Get('commands/:commandId')
  @ApiOkResponse({ schema: COMMAND })
  get(@Param('commandId') commandId: string) {
    return this.commands.get(commandId);
  }

  @Get('devices/:id/commands')
  @ApiOkResponse({ schema: array(COMMAND, 'newest first, at most 100') })
  history(@Param('id', DeviceIdPipe) id: string) {
    this.devices.get(id); // 404 for a meter the registry does not know
    return this.commands.history(id);
  }
}
