import { Module } from '@nestjs/common';
import { DevicesModule } from '../devices/devices.module';
import { EventsController } from './events.controller';
import { EVENTS_REPOSITORY, InfluxEventsRepository } from './events.repository';
import { EventsService } from './events.service';

/** Meter events: stored in InfluxDB and acked (store-and-forward), REST, live stream; HA triggers listen to EventsService. */
@Module({
  imports: [DevicesModule],
  controllers: [EventsController],
  providers: [{ provide: EVENTS_REPOSITORY, useClass: InfluxEventsRepository }, EventsService],
  exports: [EventsService],
})
export class EventsModule {}
