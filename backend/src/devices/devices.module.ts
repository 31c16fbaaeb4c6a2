import { Module } from '@nestjs/common';
import { join } from 'node:path';
import { AppConfig } from '../config/app-config';
import { CredentialsModule } from '../security/credentials/credentials.module';
import { DeviceRegistryJournal } from './device-registry.repository';
import { DeviceRemovalController } from './device-removal.controller';
import { DevicesController } from './devices.controller';
import { DevicesService } from './devices.service';
import { DEVICE_REGISTRY_REPOSITORY } from './devices.types';
import { RelayHistoryService } from './relay-history.service';
import { RevokedMeterRemovalService } from './revoked-meter-removal.service';
import { SeriesService } from './series.service';

/** The registry of meters (state, circuits, relay history), their REST routes and their series. */
@Module({
  imports: [CredentialsModule],
  controllers: [DevicesController, DeviceRemovalController],
  providers: [
    {
      provide: DEVICE_REGISTRY_REPOSITORY,
      useFactory: (c: AppConfig) => new DeviceRegistryJournal(join(c.DATA_DIR, 'devices.jsonl'), join(c.DATA_DIR, 'devices.json')),
      inject: [AppConfig],
    },
    RelayHistoryService,
    DevicesService,
    RevokedMeterRemovalService,
    SeriesService,
  ],
  exports: [DevicesService],
})
export class DevicesModule {}
