import { Module } from '@nestjs/common';
import { join } from 'node:path';
import { Counters } from '../common/counters';
import { CLOCK, NowFn, TELEMETRY_STORE } from '../common/tokens';
import { JsonFileRepository } from '../common/json-file.repository';
import { AppConfig } from '../config/app-config';
import { DevicesModule } from '../devices/devices.module';
import { DevicesService } from '../devices/devices.service';
import { HomeAssistantModule } from '../homeassistant/homeassistant.module';
import { HomeAssistantService } from '../homeassistant/homeassistant.service';
import { IngestModule } from '../ingest/ingest.module';
import { TelemetryFeed } from '../ingest/telemetry-feed';
import { MQTT_BUS, MqttBus } from '../mqtt/mqtt-bus';
import { RetentionService } from '../storage/retention.service';
import { TelemetryStore } from '../storage/storage.types';
import { AppliancesController } from './appliances.controller';
import { APPLIANCES_PORTS, AppliancesPorts } from './appliances.ports';
import { AppliancesService } from './appliances.service';
import { APPLIANCES_REPOSITORY } from './appliances.types';

/** Appliance recognition and anomaly detection (docs/anomalies.md). MQTT, InfluxDB, counters and clock come from the global modules. */
@Module({
  imports: [IngestModule, DevicesModule, HomeAssistantModule],
  controllers: [AppliancesController],
  providers: [
    {
      provide: APPLIANCES_REPOSITORY,
      useFactory: (c: AppConfig) => new JsonFileRepository(join(c.DATA_DIR, 'appliances.json'), 10_000),
      inject: [AppConfig],
    },
    {
      provide: APPLIANCES_PORTS,
      useFactory: (
        telemetry: TelemetryFeed,
        mqtt: MqttBus,
        devices: DevicesService,
        homeAssistant: HomeAssistantService,
        store: TelemetryStore,
        counters: Counters,
        now: NowFn,
        retention?: RetentionService,
      ): AppliancesPorts => ({
        telemetry,
        mqtt,
        devices,
        homeAssistant,
        store,
        counters,
        now: () => now(),
        historyRp: async () => retention?.historyRpWhenReady(),
      }),
      inject: [TelemetryFeed, MQTT_BUS, DevicesService, HomeAssistantService, TELEMETRY_STORE, Counters, CLOCK, { token: RetentionService, optional: true }],
    },
    AppliancesService,
  ],
})
export class AppliancesModule {}
