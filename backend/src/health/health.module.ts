import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';

/** GET /api/health and the counters as JSON. */
@Module({
  controllers: [HealthController],
})
export class HealthModule {}
