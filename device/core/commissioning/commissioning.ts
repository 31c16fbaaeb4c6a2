/**
 * The commissioning state machine (docs/setup-portal.md):
 *
 *   start() ── commissioned ──▶ operating ◀─────────────────────────────┐
 *      │ not commissioned                                                │
 *      ▼                                                                 │
 *   portal ──submit──▶ joining ──IP──▶ claiming ──credentials saved──▶ done
 *      ▲                  │ failed        │ refused / unreachable
 *      └──────────────────┴───────────────┘  (back to the portal with the reason; nothing saved)
 *
 * A long press of the setup button (setup-button.ts) reopens the portal from `operating`; the
 * meter keeps metering meanwhile. `done` closes nothing by itself: the platform leaves portal mode
 * (`onCommissioned`), connects MQTT and closes the AP once the installer has seen the result.
 */
import { CLAIM_PATH, claimRequestBody, readClaimResult } from './claim';
import type { ClaimedCredentials, CommissioningStore, HttpClient, PortalNetwork } from './commissioning.ports';
import type { MeterSetup } from './setup-form';

export type CommissioningPhase = 'operating' | 'portal' | 'joining' | 'claiming' | 'done';

export interface CommissioningStatus {
  phase: CommissioningPhase;
  /** Why the last attempt failed (shown on the form). */
  error?: string;
  /** The device id the backend confirmed (phase `done`). */
  deviceId?: string;
}

export interface CommissioningOptions {
  network: PortalNetwork;
  http: HttpClient;
  store: CommissioningStore;
  /** The id this meter asks for (its provisioned or MAC-derived id). */
  deviceId: string;
  firmware: string;
  /** Called once the credentials are saved: leave portal mode, connect MQTT with them. */
  onCommissioned(credentials: ClaimedCredentials): void;
  /** Transitions, for logs. */
  onChange?(status: CommissioningStatus): void;
}

export class Commissioning {
  private current: CommissioningStatus = { phase: 'operating' };

  constructor(private readonly o: CommissioningOptions) {}

  get status(): Readonly<CommissioningStatus> {
    return this.current;
  }

  /** Boot: an uncommissioned meter opens the portal. Returns the phase it is in. */
  start(): CommissioningPhase {
    if (!this.o.store.isCommissioned()) this.openPortal();
    return this.current.phase;
  }

  /** The setup button was held long enough (or an operator asked): open the portal again. */
  requestPortal(): void {
    if (this.current.phase === 'operating' || this.current.phase === 'done') this.openPortal();
  }

  /**
   * A valid form arrived. Returns undefined when accepted, else why not (busy with an earlier one,
   * or not in portal mode); a refused submission changes nothing.
   */
  submit(setup: MeterSetup): string | undefined {
    if (this.current.phase === 'joining' || this.current.phase === 'claiming')
      return 'The meter is still working on the previous submission: wait for its result.';
    if (this.current.phase !== 'portal') return 'The meter is not in setup mode: hold the setup button for 5 seconds.';
    this.set({ phase: 'joining' });
    this.o.network.join(setup.network, (error) => {
      if (this.current.phase !== 'joining') return; // a repeated callback
      if (error !== undefined) return this.fail(`Could not join the network: ${error}`);
      this.claim(setup);
    });
    return undefined;
  }

  private claim(setup: MeterSetup): void {
    this.set({ phase: 'claiming' });
    const body = claimRequestBody(setup.claimCode, this.o.deviceId, this.o.firmware);
    this.o.http.postJson(setup.backendUrl + CLAIM_PATH, body, (result) => {
      if (this.current.phase !== 'claiming') return; // a repeated callback
      const read = readClaimResult(result, setup.backendUrl, this.o.deviceId);
      if (!read.ok) return this.fail(read.error);
      try {
        this.o.store.save(setup, read.credentials);
      } catch (error) {
        // The code is spent: the backend has issued the login. A new code re-issues it.
        return this.fail(`The meter could not store its credentials (${error instanceof Error ? error.message : String(error)}); ask for a new claim code.`);
      }
      this.set({ phase: 'done', deviceId: read.credentials.deviceId });
      this.o.onCommissioned(read.credentials);
    });
  }

  private openPortal(): void {
    this.set({ phase: 'portal' });
    this.o.network.openPortal();
  }

  private fail(error: string): void {
    this.set({ phase: 'portal', error });
  }

  private set(status: CommissioningStatus): void {
    this.current = status;
    this.o.onChange?.(status);
  }
}
