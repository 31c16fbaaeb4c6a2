import { Module } from '@nestjs/common';
import { DevicesModule } from '../devices/devices.module';
import { MetricsModule } from '../metrics/metrics.module';
import { IngestService } from './ingest.service';
import { TelemetryFeed } from './telemetry-feed';

/** Telemetry from the meters into InfluxDB, acked once stored. */
@Module({
  imports: [DevicesModule, MetricsModule],
  providers: [IngestService, TelemetryFeed],
  exports: [IngestService, TelemetryFeed],
})
export class IngestModule {}
