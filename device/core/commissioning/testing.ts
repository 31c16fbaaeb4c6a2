/**
 * In-memory commissioning ports for unit tests: the network and the HTTP client hold each
 * callback until the test settles it, so every intermediate phase can be observed.
 */
import type { ClaimedCredentials, CommissioningStore, HttpClient, HttpResult, PortalNetwork } from './commissioning.ports';
import type { MeterSetup, NetworkChoice } from './setup-form';

export class MemoryPortalNetwork implements PortalNetwork {
  portalOpen = false;
  joins: NetworkChoice[] = [];
  private pending?: (error: string | undefined) => void;

  openPortal(): void {
    this.portalOpen = true;
  }
  join(network: NetworkChoice, done: (error: string | undefined) => void): void {
    this.joins.push(network);
    this.pending = done;
  }
  /** Completes the pending join (undefined: success). */
  settleJoin(error?: string): void {
    const done = this.pending;
    this.pending = undefined;
    if (!done) throw new Error('no join pending');
    done(error);
  }
}

export class MemoryHttpClient implements HttpClient {
  requests: { url: string; body: string }[] = [];
  private pending?: (result: HttpResult) => void;

  postJson(url: string, body: string, done: (result: HttpResult) => void): void {
    this.requests.push({ url, body });
    this.pending = done;
  }
  answer(result: HttpResult): void {
    const done = this.pending;
    this.pending = undefined;
    if (!done) throw new Error('no request pending');
    done(result);
  }
}

export class MemoryCommissioningStore implements CommissioningStore {
  saved?: { setup: MeterSetup; credentials: ClaimedCredentials };
  failWith?: string;

  constructor(private commissioned = false) {}

  isCommissioned(): boolean {
    return this.commissioned;
  }
  save(setup: MeterSetup, credentials: ClaimedCredentials): void {
    if (this.failWith) throw new Error(this.failWith);
    this.saved = { setup, credentials };
    this.commissioned = true;
  }
}

/** A claim answer as the backend gives it. */
export const CLAIM_ANSWER = {
  id: 'dm-a4cf120b3c7d',
  mqtt_url: 'mqtt://192.168.1.20:1883',
  username: 'dm-a4cf120b3c7d',
  password: 'p'.repeat(32),
  command_key: 'ab'.repeat(32),
};
