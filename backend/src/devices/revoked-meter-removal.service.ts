import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { CredentialsService } from '../security/credentials/credentials.service';
import { DevicesService } from './devices.service';

/**
 * A meter whose MQTT identity was revoked (`dinmeter device revoke`, DELETE /api/devices/:id/credentials)
 * can never publish again: it is removed from the registry like DELETE /api/devices/:id, which also
 * removes its Home Assistant entities. At start, and whenever the credentials file changes.
 */
@Injectable()
export class RevokedMeterRemovalService implements OnApplicationBootstrap {
  constructor(
    private readonly credentials: CredentialsService,
    private readonly devices: DevicesService,
  ) {}

  onApplicationBootstrap(): void {
    this.credentials.onChange(() => this.removeRevoked());
    this.removeRevoked();
  }

  /** Registered meters the credentials registry knows as meters but with no active identity. */
  removeRevoked(): string[] {
    const revoked = this.devices.list().filter((d) => this.credentials.isMeter(d.id) && !this.credentials.identity(d.id));
    for (const device of revoked) this.devices.remove(device.id);
    return revoked.map((d) => d.id);
  }
}
