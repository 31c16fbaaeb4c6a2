import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AUTOMATION, CREDIT, LEADER, PLAN, SAVINGS } from './automation.openapi';
import { CircuitParamPipe, DeviceIdPipe } from '../common/params';
import { AutomationDto, CreditTopUpDto, SavingsQueryDto } from './automation.dto';
import { AutomationService } from './automation.service';
import { LeaderLeaseService } from '../leader/leader-lease.service';
import { SavingsService } from './savings.service';
import { RequireRole } from '../security/roles';

@ApiTags('automation')
@Controller()
export class AutomationController {
  constructor(
    private readonly automation: AutomationService,
    private readonly savings: SavingsService,
    private readonly leader: LeaderLeaseService,
  ) {}

  /** Which backend instance runs the automation (leader election, docs/automation.md). */
  @Get('automation/leader')
  @ApiOkResponse({ schema: LEADER })
  leaderStatus() {
    return { instance: this.leader.instanceId, leader: this.leader.holder() ?? null, isLeader: this.leader.isLeader() };
  }

  @Get('devices/:id/circuits/:circuit/automation')
  @ApiOkResponse({ schema: AUTOMATION })
  get(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number) {
    return this.automation.get(id, circuit);
  }

  @Put('devices/:id/circuits/:circuit/automation')
  @RequireRole('control')
  @ApiOkResponse({ schema: AUTOMATION })
  @ApiConflictResponse({ description: 'Another backend instance runs the automation (leader): send rule changes there.' })
  put(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number, @Body() body: AutomationDto) {
    return this.automation.put(id, circuit, body);
  }

  @Post('devices/:id/circuits/:circuit/credit')
  @RequireRole('control')
  @HttpCode(200)
  @ApiOkResponse({ schema: CREDIT })
  @ApiConflictResponse({ description: 'Another backend instance runs the automation (leader): send it there.' })
  topUp(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number, @Body() body: CreditTopUpDto) {
    return this.automation.topUp(id, circuit, body.amount);
  }

  @Get('devices/:id/circuits/:circuit/plan')
  @ApiOkResponse({ schema: PLAN })
  plan(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number) {
    return this.automation.plan(id, circuit);
  }

  @Get('devices/:id/circuits/:circuit/savings')
  @ApiOkResponse({ schema: SAVINGS, description: 'Cost of the energy used in [from, to) (default the last 24 h) against the average and the worst prices.' })
  report(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number, @Query() query: SavingsQueryDto) {
    return this.savings.report(id, circuit, query);
  }
}
