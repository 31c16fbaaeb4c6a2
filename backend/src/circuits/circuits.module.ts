import { Module } from '@nestjs/common';
import { join } from 'node:path';
import { CommandsModule } from '../commands/commands.module';
import { JsonFileRepository } from '../common/json-file.repository';
import { AppConfig } from '../config/app-config';
import { DevicesModule } from '../devices/devices.module';
import { CalibrationController } from './calibration.controller';
import { CalibrationService } from './calibration.service';
import { CIRCUIT_CONFIG_REPOSITORY, CircuitConfigService } from './circuit-config.service';
import { CircuitTripService } from './circuit-trip.service';
import { CircuitsController } from './circuits.controller';

/** Per-circuit configuration, trip resets and calibration of the meters' circuits. */
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
    CircuitTripService,
    CalibrationService,
  ],
  exports: [CircuitConfigService, CircuitTripService],
})
export class CircuitsModule {}
