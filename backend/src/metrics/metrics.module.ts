import { Module } from '@nestjs/common';
import { CommandsModule } from '../commands/commands.module';
import { DevicesModule } from '../devices/devices.module';
import { PrometheusMetrics } from './prometheus-metrics.service';

/** The Prometheus metrics (served at GET /metrics by metrics.route.ts). */
@Module({
  imports: [DevicesModule, CommandsModule],
  providers: [PrometheusMetrics],
  exports: [PrometheusMetrics],
})
export class MetricsModule {}
