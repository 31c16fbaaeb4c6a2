import { Module } from '@nestjs/common';
import { CircuitsModule } from '../circuits/circuits.module';
import { DevicesModule } from '../devices/devices.module';
import { HeartbeatService } from './heartbeat.service';

/** The backend's heartbeat to the meters. */
@Module({
  imports: [DevicesModule, CircuitsModule],
  providers: [HeartbeatService],
})
export class HeartbeatModule {}
