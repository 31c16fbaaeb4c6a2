import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { COMMAND_ACCEPTED } from '../commands/commands.openapi';
import { CommandsService } from '../commands/commands.service';
import { commandAccepted } from '../commands/commands.types';
import { CIRCUIT_CONFIG_VIEW } from './circuits.openapi';
import { CircuitParamPipe, DeviceIdPipe } from '../common/params';
import { CircuitConfigDto } from './circuit-config.dto';
import { CircuitConfigService } from './circuit-config.service';
import { RelayCommandDto } from './relay-command.dto';
import { RequireRole } from '../security/roles';

@ApiTags('circuits')
@Controller('devices/:id/circuits/:circuit')
export class CircuitsController {
  constructor(
    private readonly configs: CircuitConfigService,
    private readonly commands: CommandsService,
  ) {}

  @Get('config')
  @ApiOkResponse({ schema: CIRCUIT_CONFIG_VIEW })
  get(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number) {
    return this.configs.get(id, circuit);
  }

  @Put('config')
  @RequireRole('admin')
  @ApiOkResponse({ schema: CIRCUIT_CONFIG_VIEW, description: 'Stored and sent to the meter as a config command (commandId).' })
  put(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number, @Body() body: CircuitConfigDto) {
    return this.configs.update(id, circuit, body);
  }

  @Post('relay')
  @RequireRole('control')
  @HttpCode(202)
  @ApiAcceptedResponse({ schema: COMMAND_ACCEPTED, description: 'Sent; follow it on GET /api/commands/{commandId}.' })
  relay(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number, @Body() body: RelayCommandDto) {
    return commandAccepted(this.commands.send(id, { op: 'relay', circuit, state: body.state }, body.ttlSeconds));
  }

  /**
   * Clears the overcurrent trip latch (device/core/relays: only an explicit `reset_trip` command
   * clears it). The meter acks it even when the circuit was not tripped; the relay stays off until a
   * command or the plan switches it on.
   */
  @Post('reset')
  @RequireRole('control')
  @HttpCode(202)
  @ApiAcceptedResponse({ schema: COMMAND_ACCEPTED, description: 'Sent; follow it on GET /api/commands/{commandId}.' })
  reset(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number) {
    return commandAccepted(this.commands.send(id, { op: 'reset_trip', circuit }));
  }
}
