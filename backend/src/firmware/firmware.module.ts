import { Module } from '@nestjs/common';
import { join } from 'node:path';
import { CommandsModule } from '../commands/commands.module';
import { AppConfig } from '../config/app-config';
import { FileFirmwareStore } from './firmware.repository';
import { FirmwareController } from './firmware.controller';
import { FirmwareService } from './firmware.service';
import { FIRMWARE_STORE } from './firmware.types';

/** Signed firmware images in DATA_DIR/firmware, their download and rollout (docs/ota.md). */
@Module({
  imports: [CommandsModule],
  controllers: [FirmwareController],
  providers: [{ provide: FIRMWARE_STORE, useFactory: (c: AppConfig) => new FileFirmwareStore(join(c.DATA_DIR, 'firmware')), inject: [AppConfig] }, FirmwareService],
  exports: [FirmwareService],
})
export class FirmwareModule {}
