import { DynamicModule, Module, Provider, Type } from '@nestjs/common';
import { AppliancesModule } from './appliances/appliances.module';
import { AutomationModule } from './automation/automation.module';
import { BrokerModule } from './broker/broker.module';
import { CircuitsModule } from './circuits/circuits.module';
import { ClaimsModule } from './claims/claims.module';
import { CommissioningModule } from './commissioning/commissioning.module';
import { CommandsModule } from './commands/commands.module';
import { CommonModule } from './common/common.module';
import { withOverrides } from './common/module-overrides';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DevicesModule } from './devices/devices.module';
import { EventsModule } from './events/events.module';
import { FirmwareModule } from './firmware/firmware.module';
import { HealthModule } from './health/health.module';
import { HeartbeatModule } from './heartbeat/heartbeat.module';
import { HomeAssistantModule } from './homeassistant/homeassistant.module';
import { IngestModule } from './ingest/ingest.module';
import { LeaderModule } from './leader/leader.module';
import { MetricsModule } from './metrics/metrics.module';
import { MqttModule } from './mqtt/mqtt.module';
import { PricesModule } from './prices/prices.module';
import { CredentialsModule } from './security/credentials/credentials.module';
import { RestAuthModule } from './security/rest-auth/rest-auth.module';
import { StorageModule } from './storage/storage.module';

/**
 * The backend's features. The global infrastructure comes first: Nest runs the hooks of global
 * modules first, in this order (the broker starts before the MQTT client dials it).
 */
const FEATURE_MODULES: Type[] = [
  CommonModule,
  BrokerModule,
  MqttModule,
  StorageModule,
  CredentialsModule,
  RestAuthModule,
  CommandsModule,
  DevicesModule,
  CircuitsModule,
  HeartbeatModule,
  MetricsModule,
  IngestModule,
  EventsModule,
  HealthModule,
  LeaderModule,
  PricesModule,
  AutomationModule,
  HomeAssistantModule,
  AppliancesModule,
  FirmwareModule,
  ClaimsModule,
  CommissioningModule,
];

@Module({})
export class AppModule {
  /** `overrides` replace providers by token (common/module-overrides.ts), e.g. a fake TELEMETRY_STORE in a test. */
  static forRoot(config: AppConfig, overrides: Provider[] = []): DynamicModule {
    return { module: AppModule, imports: [ConfigModule.forRoot(config), ...withOverrides(FEATURE_MODULES, overrides)] };
  }
}
