import { Body, Controller, Get, HttpCode, Param, Post, Put, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CT_MODELS, ctCalibration, ctMvPerA, ctRangeA } from '@dinmeter/shared';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CircuitParamPipe, DeviceIdPipe } from '../common/params';
import { RequireRole } from '../security/roles';
import { CircuitSetupService } from './circuit-setup.service';
import { CircuitSetupDto } from './commissioning.dto';
import { CIRCUIT_SETUP_VIEW, CT_FLIP, CT_MODEL_LIST, DEVICE_SETUP_VIEW } from './commissioning.openapi';
import { LiveService } from './live.service';

/** The commissioning web app's API (docs/commissioning.md): CT models, circuit setup, CT flip, live view. */
@ApiTags('commissioning')
@Controller()
export class CommissioningController {
  constructor(
    private readonly setup: CircuitSetupService,
    private readonly live: LiveService,
  ) {}

  @Get('ct-models')
  @ApiOkResponse({ schema: CT_MODEL_LIST })
  ctModels() {
    return CT_MODELS.map((model) => ({ ...model, mvPerA: ctMvPerA(model), range: ctRangeA(model), calibration: ctCalibration(model) }));
  }

  @Get('devices/:id/setup')
  @ApiOkResponse({ schema: DEVICE_SETUP_VIEW })
  view(@Param('id', DeviceIdPipe) id: string) {
    return this.setup.view(id);
  }

  @Put('devices/:id/circuits/:circuit/setup')
  @RequireRole('admin')
  @ApiOkResponse({ schema: CIRCUIT_SETUP_VIEW, description: 'Label, failsafe and power-on state go out as a config command, the CT model as a calibrate command.' })
  update(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number, @Body() body: CircuitSetupDto) {
    return this.setup.update(id, circuit, body);
  }

  @Post('devices/:id/circuits/:circuit/ct-flip')
  @RequireRole('admin')
  @HttpCode(202)
  @ApiAcceptedResponse({ schema: CT_FLIP })
  flip(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number) {
    return this.setup.flipCt(id, circuit);
  }

  /** Server-sent events: `snapshot` (the GET …/setup view) at once and whenever it changes. */
  @Get('devices/:id/live')
  @ApiOkResponse({
    description: 'server-sent events: `snapshot`, whose data is the device setup view (GET /api/devices/:id/setup)',
    content: { 'text/event-stream': { schema: { type: 'string', example: 'event: snapshot\ndata: {"id":"vm-1","online":true,"circuits":[…]}\n\n' } } },
  })
  stream(@Param('id', DeviceIdPipe) id: string, @Req() request: IncomingMessage, @Res() response: ServerResponse): void {
    this.live.open(id, request, response);
  }
}
