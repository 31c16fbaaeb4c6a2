import { Global, Module } from '@nestjs/common';
import { MQTT_BUS } from './mqtt-bus';
import { MqttService } from './mqtt.service';

/** The backend's MQTT connection, as MqttService and as the MqttBus token. Global: AppModule imports it once. */
@Global()
@Module({
  providers: [MqttService, { provide: MQTT_BUS, useExisting: MqttService }],
  exports: [MqttService, MQTT_BUS],
})
export class MqttModule {}
