import { Module } from '@nestjs/common';
import { join } from 'node:path';
import { CommandsModule } from '../commands/commands.module';
import { JsonFileRepository } from '../common/json-file.repository';
import { AppConfig } from '../config/app-config';
import { DevicesModule } from '../devices/devices.module';
import { CalibrationController } from './calibration.controller';
import { CIRCUIT_CONFIG_REPOSITORY, CircuitConfigService } from './circuit-config.service';
import { CircuitsController } from './circuits.controller';

/** The meters' circuits: relay commands, trip resets, configuration, calibration. */
@Module({
  imports: [DevicesModule, CommandsModule],
  controllers: [CircuitsController, CalibrationController],
  providers: [
    {
      provide: CIRCUIT_CONFIG_REPOSITORY,
      useFactory: (c: AppConfig) => new JsonFileRepository(join(c.DATA_DIR, 'circuits.json'), 200),
      inject: [AppConfig],
    },
    CircuitConfigService,
  ],
  exports: [CircuitConfigService],
})
export class CircuitsModule {}
