import { Global, Module } from '@nestjs/common';
import { MqttService } from './mqtt.service';

/** The backend's MQTT connection. Global: AppModule imports it once. */
@Global()
@Module({
  providers: [MqttService],
  exports: [MqttService],
})
export class MqttModule {}
