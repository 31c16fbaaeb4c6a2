import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { COMMAND } from './commands.openapi';
import { CommandsService } from './commands.service';

@ApiTags('commands')
@Controller('commands')
export class CommandsController {
  constructor(private readonly commands: CommandsService) {}

  @Get(':commandId')
  @ApiOkResponse({ schema: COMMAND })
  get(@Param('commandId') commandId: string) {
    return this.commands.get(commandId);
  }
}
