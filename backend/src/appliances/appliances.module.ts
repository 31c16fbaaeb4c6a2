import { Module } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { join } from 'node:path';
import { Counters } from '../common/counters';
import { CLOCK, NowFn, TELEMETRY_STORE } from '../common/tokens';
import { JsonFileRepository } from '../common/json-file.repository';
import { AppConfig } from '../config/app-config';
import { MqttService } from '../mqtt/mqtt.service';
import { RetentionService } from '../storage/retention.service';
import { TelemetryStore } from '../storage/storage.types';
import { AppliancesController } from './appliances.controller';
import { APPLIANCES_PORTS, AppliancesPorts } from './appliances.ports';
import { AppliancesService } from './appliances.service';
import { APPLIANCES_REPOSITORY } from './appliances.types';

/**
 * Appliance recognition and anomaly detection (docs/anomalies.md), imported by AppModule. Nest hides an
 * importer's providers from the modules it imports, so the application's MQTT client, store, counters
 * and clock are looked up (non-strict) on first use, when every provider exists.
 */
@Module({
  controllers: [AppliancesController],
  providers: [
    {
      provide: APPLIANCES_REPOSITORY,
      useFactory: (c: AppConfig) => new JsonFileRepository(join(c.DATA_DIR, 'appliances.json'), 10_000),
      inject: [AppConfig],
    },
    {
      provide: APPLIANCES_PORTS,
      useFactory: (refs: ModuleRef): AppliancesPorts => {
        const get = <T>(token: unknown) => refs.get<T>(token as never, { strict: false });
        return {
          get mqtt() {
            return get<MqttService>(MqttService);
          },
          get store() {
            return get<TelemetryStore>(TELEMETRY_STORE);
          },
          get counters() {
            return get<Counters>(Counters);
          },
          now: () => get<NowFn>(CLOCK)(),
          historyRp: async () => {
            let retention: RetentionService | undefined;
            try {
              retention = get<RetentionService>(RetentionService);
            } catch {
              return undefined; // an application without retention management
            }
            return retention.historyRpWhenReady();
          },
        };
      },
      inject: [ModuleRef],
    },
    AppliancesService,
  ],
})
export class AppliancesModule {}
