import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { CircuitParamPipe, DeviceIdPipe } from '../api/params';
import { AutomationDto, CreditTopUpDto, SavingsQueryDto } from './automation.dto';
import { AutomationService } from './automation.service';
import { LeaderLeaseService } from './leader/leader-lease.service';
import { SavingsService } from './savings.service';
import { RequireRole } from '../security/roles';

@Controller()
export class AutomationController {
  constructor(
    private readonly automation: AutomationService,
    private readonly savings: SavingsService,
    private readonly leader: LeaderLeaseService,
  ) {}

  /** Which backend instance runs the automation (leader election, docs/automation.md). */
  @Get('automation/leader')
  leaderStatus() {
    return { instance: this.leader.instanceId, leader: this.leader.holder() ?? null, isLeader: this.leader.isLeader() };
  }

  @Get('devices/:id/circuits/:circuit/automation')
  get(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number) {
    return this.automation.get(id, circuit);
  }

  @Put('devices/:id/circuits/:circuit/automation')
  @RequireRole('control')
  put(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number, @Body() body: AutomationDto) {
    return this.automation.put(id, circuit, body);
  }

  @Post('devices/:id/circuits/:circuit/credit')
  @RequireRole('control')
  @HttpCode(200)
  topUp(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number, @Body() body: CreditTopUpDto) {
    return this.automation.topUp(id, circuit, body.amount);
  }

  @Get('devices/:id/circuits/:circuit/plan')
  plan(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number) {
    return this.automation.plan(id, circuit);
  }

  @Get('devices/:id/circuits/:circuit/savings')
  report(@Param('id', DeviceIdPipe) id: string, @Param('circuit', CircuitParamPipe) circuit: number, @Query() query: SavingsQueryDto) {
    return this.savings.report(id, circuit, query);
  }
}
