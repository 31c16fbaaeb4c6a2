import { Inject, Injectable } from '@nestjs/common';
import { BrokerService } from '../broker/broker.service';
import { CLOCK, NowFn } from '../common/tokens';
import { AppConfig } from '../config/app-config';
import { AuthFailureLimiter } from '../security/rest-auth/auth-failure-limiter';
import { CredentialsService } from '../security/credentials/credentials.service';
import { IssuedCredentialJson, issuedCredentialJson, meterMqttUrl } from '../security/credentials/issued-credential';
import { claimQrText, qrSvg } from './claim-qr';
import { ClaimError, ClaimsRegistry, ClaimSummary, NewClaim, Redemption } from './claims.registry';

/** Wrong codes a client may send per window before POST /api/claim answers 429. */
export const CLAIM_FAILURE_LIMITS = { maxFailures: 10, windowMs: 10 * 60_000, maxClients: 10_000 };

export type CreatedClaim = ClaimSummary & { code: string; qrText: string; qrSvg: string };

/** The claims registry of this backend's DATA_DIR, with the QR code and the guessing limit. */
@Injectable()
export class ClaimsService {
  readonly registry: ClaimsRegistry;
  private readonly limiter: AuthFailureLimiter;

  constructor(
    private readonly config: AppConfig,
    credentials: CredentialsService,
    private readonly broker: BrokerService,
    @Inject(CLOCK) now: NowFn,
  ) {
    this.registry = new ClaimsRegistry(config.DATA_DIR, credentials.registry, now);
    this.limiter = new AuthFailureLimiter(CLAIM_FAILURE_LIMITS, now);
  }

  /** `backendOrigin` is how the admin's browser reached the backend: the installer's phone is on the same network. */
  create(request: NewClaim, backendOrigin: string): CreatedClaim {
    const { claim, code } = this.registry.create(request);
    const qrText = claimQrText(code, backendOrigin);
    return { ...claim, code, qrText, qrSvg: qrSvg(qrText) };
  }

  /** Milliseconds the client must wait before trying a code again (0: it may). */
  blockedForMs(address: string | undefined): number {
    return this.limiter.blockedForMs(address);
  }

  async redeem(code: string, redemption: Redemption): Promise<IssuedCredentialJson> {
    try {
      const { meter } = await this.registry.redeem(code, redemption);
      return issuedCredentialJson(meter, meterMqttUrl(this.config, { port: this.broker.port, tlsPort: this.broker.tlsPort }));
    } catch (error) {
      if (error instanceof ClaimError && error.reason === 'refused') this.limiter.recordFailure(redemption.address);
      throw error;
    }
  }
}
