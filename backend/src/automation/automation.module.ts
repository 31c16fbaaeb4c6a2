import { Provider } from '@nestjs/common';
import { join } from 'node:path';
import { JsonFileRepository } from '../common/json-file.repository';
import { AppConfig } from '../config/app-config';
import { AutomationController } from './automation.controller';
import { AutomationService } from './automation.service';
import { AUTOMATION_REPOSITORY } from './automation.types';
import { EnergyRepository } from './energy.repository';
import { GuardsService } from './guards.service';
import { LeaderLeaseService } from './leader/leader-lease.service';
import { SavingsService } from './savings.service';

/** Automation: rules, guards, plans pushed to meters, savings, leader lease. Listed by AppModule.forRoot. */
export const AUTOMATION_CONTROLLERS = [AutomationController];
export const AUTOMATION_PROVIDERS: Provider[] = [
  {
    provide: AUTOMATION_REPOSITORY,
    useFactory: (c: AppConfig) => new JsonFileRepository(join(c.DATA_DIR, 'automation.json'), 200),
    inject: [AppConfig],
  },
  LeaderLeaseService,
  EnergyRepository,
  GuardsService,
  AutomationService,
  SavingsService,
];
