import { Module } from '@nestjs/common';
import { CredentialsModule } from '../security/credentials/credentials.module';
import { ClaimRedemptionController, ClaimsController } from './claims.controller';
import { ClaimsService } from './claims.service';

/** Claim codes: created by admins, traded once by a meter for its credential (docs/commissioning.md). */
@Module({
  imports: [CredentialsModule],
  controllers: [ClaimsController, ClaimRedemptionController],
  providers: [ClaimsService],
})
export class ClaimsModule {}
