import { Module } from '@nestjs/common';
import { CircuitsModule } from '../circuits/circuits.module';
import { CommandsModule } from '../commands/commands.module';
import { DevicesModule } from '../devices/devices.module';
import { EventsModule } from '../events/events.module';
import { LeaderModule } from '../leader/leader.module';
import { HA_LINK, MqttHaLink } from './ha-link';
import { HomeAssistantService } from './homeassistant.service';

/** The Home Assistant bridge (MQTT discovery, states, relay switches). */
@Module({
  imports: [DevicesModule, CommandsModule, CircuitsModule, EventsModule, LeaderModule],
  providers: [{ provide: HA_LINK, useClass: MqttHaLink }, HomeAssistantService],
  exports: [HomeAssistantService],
})
export class HomeAssistantModule {}
