import { Module } from '@nestjs/common';
import { LeaderLeaseService } from './leader-lease.service';

/** Which backend instance runs the single-instance jobs (automation, price fetching). */
@Module({
  providers: [LeaderLeaseService],
  exports: [LeaderLeaseService],
})
export class LeaderModule {}
