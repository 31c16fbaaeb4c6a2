import { DynamicModule, Module, Provider } from '@nestjs/common';
import { join } from 'node:path';
import { DevicesController } from './api/devices.controller';
import { CommandsController } from './api/commands.controller';
import { HealthController } from './api/health.controller';
import { CircuitConfigService, CIRCUIT_CONFIG_REPOSITORY } from './circuits/circuit-config.service';
import { CircuitsController } from './circuits/circuits.controller';
import { CircuitTripService } from './circuits/circuit-trip.service';
import { CalibrationController } from './circuits/calibration.controller';
import { CalibrationService } from './circuits/calibration.service';
import { SeriesService } from './api/series.service';
import { BrokerService } from './broker/broker.service';
import { CommandsService } from './commands/commands.service';
import { COMMANDS_REPOSITORY } from './commands/commands.types';
import { JsonFileRepository } from './common/json-file.repository';
import { Counters } from './common/counters';
import { CLOCK } from './common/tokens';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DevicesService } from './devices/devices.service';
import { DeviceRemovalController } from './devices/device-removal.controller';
import { RevokedMeterRemovalService } from './devices/revoked-meter-removal.service';
import { DEVICE_REGISTRY_REPOSITORY } from './devices/devices.types';
import { DeviceRegistryJournal } from './devices/device-registry.repository';
import { RelayHistoryService } from './devices/relay-history.service';
import { HeartbeatService } from './heartbeat/heartbeat.service';
import { HA_LINK, MqttHaLink } from './homeassistant/ha-link';
import { HomeAssistantService } from './homeassistant/homeassistant.service';
import { IngestService } from './ingest/ingest.service';
import { PrometheusMetrics } from './metrics/prometheus-metrics.service';
import { MqttService } from './mqtt/mqtt.service';
import { storageProviders } from './storage/storage.providers';
import { PRICES_CONTROLLERS, PRICES_PROVIDERS } from './prices/prices.module';
import { AUTOMATION_CONTROLLERS, AUTOMATION_PROVIDERS } from './automation/automation.module';
import { AppliancesModule } from './appliances/appliances.module';
import { CREDENTIALS_CONTROLLERS, CREDENTIALS_PROVIDERS } from './security/credentials/credentials.module';
import { REST_AUTH_PROVIDERS } from './security/rest-auth/rest-auth.providers';
import { CLAIMS_CONTROLLERS, CLAIMS_PROVIDERS } from './claims/claims.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, overrides: Provider[] = []): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(config), AppliancesModule],
      controllers: [HealthController, DevicesController, DeviceRemovalController, CommandsController, CircuitsController, CalibrationController, ...PRICES_CONTROLLERS, ...AUTOMATION_CONTROLLERS, ...CREDENTIALS_CONTROLLERS, ...CLAIMS_CONTROLLERS],
      providers: [
        { provide: CLOCK, useValue: () => Date.now() },
        Counters,
        ...CREDENTIALS_PROVIDERS,
        BrokerService,
        MqttService,
        ...storageProviders,
        {
          provide: DEVICE_REGISTRY_REPOSITORY,
          useFactory: (c: AppConfig) => new DeviceRegistryJournal(join(c.DATA_DIR, 'devices.jsonl'), join(c.DATA_DIR, 'devices.json')),
          inject: [AppConfig],
        },
        {
          provide: COMMANDS_REPOSITORY,
          useFactory: (c: AppConfig) => new JsonFileRepository(join(c.DATA_DIR, 'commands.json'), 200),
          inject: [AppConfig],
        },
        {
          provide: CIRCUIT_CONFIG_REPOSITORY,
          useFactory: (c: AppConfig) => new JsonFileRepository(join(c.DATA_DIR, 'circuits.json'), 200),
          inject: [AppConfig],
        },
        RelayHistoryService,
        DevicesService,
        RevokedMeterRemovalService,
        CircuitConfigService,
        CircuitTripService,
        CalibrationService,
        IngestService,
        PrometheusMetrics,
        CommandsService,
        HeartbeatService,
        SeriesService,
        { provide: HA_LINK, useClass: MqttHaLink },
        HomeAssistantService,
        ...PRICES_PROVIDERS,
        ...AUTOMATION_PROVIDERS,
        ...REST_AUTH_PROVIDERS,
        ...CLAIMS_PROVIDERS,
        ...overrides,
      ],
    };
  }
}
