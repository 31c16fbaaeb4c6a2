import { Module } from '@nestjs/common';
import { join } from 'node:path';
import { CommandsModule } from '../commands/commands.module';
import { JsonFileRepository } from '../common/json-file.repository';
import { AppConfig } from '../config/app-config';
import { DevicesModule } from '../devices/devices.module';
import { LeaderModule } from '../leader/leader.module';
import { PricesModule } from '../prices/prices.module';
import { CredentialsModule } from '../security/credentials/credentials.module';
import { AutomationController } from './automation.controller';
import { AutomationService } from './automation.service';
import { AUTOMATION_REPOSITORY } from './automation.types';
import { EnergyRepository } from './energy.repository';
import { GuardsService } from './guards.service';
import { AutomationHistoryService } from './history/automation-history.service';
import { SavingsService } from './savings.service';

/** Automation: rules, guards, plans pushed to meters, savings. Runs on the leader only (leader/). */
@Module({
  imports: [DevicesModule, CommandsModule, PricesModule, LeaderModule, CredentialsModule],
  controllers: [AutomationController],
  providers: [
    {
      provide: AUTOMATION_REPOSITORY,
      useFactory: (c: AppConfig) => new JsonFileRepository(join(c.DATA_DIR, 'automation.json'), 200),
      inject: [AppConfig],
    },
    EnergyRepository,
    GuardsService,
    AutomationService,
    SavingsService,
    AutomationHistoryService,
  ],
})
export class AutomationModule {}
