import { Module } from '@nestjs/common';
import { join } from 'node:path';
import { CircuitsModule } from '../circuits/circuits.module';
import { CommandsModule } from '../commands/commands.module';
import { JsonFileRepository } from '../common/json-file.repository';
import { AppConfig } from '../config/app-config';
import { DevicesModule } from '../devices/devices.module';
import { CircuitSetupService } from './circuit-setup.service';
import { CIRCUIT_SETUP_REPOSITORY } from './circuit-setup.types';
import { CommissioningController } from './commissioning.controller';
import { LiveService } from './live.service';

/** Commissioning: per-circuit CT model and relay module, the CT check and flip, the live view (docs/commissioning.md). */
@Module({
  imports: [DevicesModule, CommandsModule, CircuitsModule],
  controllers: [CommissioningController],
  providers: [
    {
      provide: CIRCUIT_SETUP_REPOSITORY,
      useFactory: (c: AppConfig) => new JsonFileRepository(join(c.DATA_DIR, 'circuit-setup.json'), 200),
      inject: [AppConfig],
    },
    CircuitSetupService,
    LiveService,
  ],
})
export class CommissioningModule {}
