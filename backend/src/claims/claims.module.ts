import { Provider } from '@nestjs/common';
import { ClaimRedemptionController, ClaimsController } from './claims.controller';
import { ClaimsService } from './claims.service';

/**
 * Claim codes (docs/commissioning.md). They need AppConfig, CLOCK, CredentialsService and BrokerService
 * of the application module, which lists these (as it does the credentials' own).
 */
export const CLAIMS_CONTROLLERS = [ClaimsController, ClaimRedemptionController];
export const CLAIMS_PROVIDERS: Provider[] = [ClaimsService];
