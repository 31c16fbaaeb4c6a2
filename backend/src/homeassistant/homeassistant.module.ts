import { Module } from '@nestjs/common';
import { CommandsModule } from '../commands/commands.module';
import { DevicesModule } from '../devices/devices.module';
import { EventsModule } from '../events/events.module';
import { FirmwareModule } from '../firmware/firmware.module';
import { LeaderModule } from '../leader/leader.module';
import { HomeAssistantService } from './homeassistant.service';

/** The Home Assistant bridge (MQTT discovery, states, relay switches). */
@Module({
  imports: [DevicesModule, CommandsModule, LeaderModule, FirmwareModule, EventsModule],
  providers: [HomeAssistantService],
  exports: [HomeAssistantService],
})
export class HomeAssistantModule {}
