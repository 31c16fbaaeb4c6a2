import { Controller, Get, Param } from '@nestjs/common';
import { CommandsService } from '../commands/commands.service';

@Controller('commands')
export class CommandsController {
  constructor(private readonly commands: CommandsService) {}

  @Get(':commandId')
  get(@Param('commandId') commandId: string) {
    return this.commands.get(commandId);
  }
}
