import { isValidDeviceId } from '@dinmeter/shared';
import { randomBytes } from 'node:crypto';
import { CredentialsError, CredentialsRegistry, IssuedMeter } from '../security/credentials/credentials.registry';
import { claimCodeHash, newClaimCode, normalizeClaimCode } from './claim-code';
import { ClaimsFile, HardwareInfo, StoredClaim } from './claims-file';

export type ClaimState = 'open' | 'redeemed' | 'expired' | 'revoked';

/** A claim as listed: no hash, its state derived from the clock. */
export type ClaimSummary = Omit<StoredClaim, 'codeHash'> & { state: ClaimState };

export interface NewClaim {
  label?: string;
  deviceId?: string;
  /** Default 24 h, at most 30 days. */
  ttlMinutes?: number;
}

export interface Redemption {
  deviceId?: string;
  hardware?: HardwareInfo;
  /** The client's address, kept with the claim for the audit. */
  address?: string;
}

export const DEFAULT_CLAIM_TTL_MINUTES = 24 * 60;
export const MAX_CLAIM_TTL_MINUTES = 30 * 24 * 60;
/** Finished claims (used, expired, revoked) are kept this long for the list, then dropped. */
const KEEP_FINISHED_MS = 30 * 24 * 3600_000;
const MAX_HARDWARE_FIELDS = 16;
const MAX_HARDWARE_VALUE = 128;

/**
 * Why a claim operation was refused. `refused` is the one answer to a code that is wrong, expired,
 * used or revoked (a guesser learns nothing); the REST layer counts it as a failure of the client.
 */
export class ClaimError extends Error {
  constructor(
    message: string,
    readonly reason: 'invalid' | 'refused' | 'unknown' | 'conflict',
  ) {
    super(message);
  }
}

export const REFUSED_MESSAGE = 'claim code unknown, expired, used or revoked';

/**
 * Claim codes (docs/commissioning.md): an admin creates a short single-use code with an expiry; a
 * meter, or its setup portal on its behalf, redeems it once for its MQTT credential and command key,
 * issued by the credentials registry. Nothing secret is typed by hand: the code is worthless once used.
 */
export class ClaimsRegistry {
  readonly file: ClaimsFile;

  constructor(
    dataDir: string,
    private readonly credentials: CredentialsRegistry,
    private readonly now: () => number = Date.now,
  ) {
    this.file = new ClaimsFile(dataDir);
  }

  /** A new code; returned here only (the file keeps its hash). */
  create(request: NewClaim = {}): { claim: ClaimSummary; code: string } {
    const ttlMinutes = request.ttlMinutes ?? DEFAULT_CLAIM_TTL_MINUTES;
    if (!(Number.isInteger(ttlMinutes) && ttlMinutes >= 1 && ttlMinutes <= MAX_CLAIM_TTL_MINUTES)) {
      throw new ClaimError(`ttlMinutes must be an integer from 1 to ${MAX_CLAIM_TTL_MINUTES}, got ${ttlMinutes}`, 'invalid');
    }
    if (request.deviceId !== undefined) assertDeviceId(request.deviceId);
    if (request.label !== undefined && request.label.length > 64) throw new ClaimError('label: at most 64 characters', 'invalid');
    const code = newClaimCode();
    const now = this.now();
    const stored: StoredClaim = {
      id: randomBytes(4).toString('hex'),
      codeHash: claimCodeHash(normalizeClaimCode(code)!),
      ...(request.label ? { label: request.label } : {}),
      ...(request.deviceId ? { deviceId: request.deviceId } : {}),
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + ttlMinutes * 60_000).toISOString(),
    };
    this.file.update((doc) => {
      this.prune(doc.claims);
      doc.claims.push(stored);
    });
    return { claim: this.summary(stored), code };
  }

  list(): ClaimSummary[] {
    return this.file.read().claims.map((c) => this.summary(c));
  }

  /** An open code stops working at once; a used one cannot be revoked (revoke the meter instead). */
  revoke(id: string): ClaimSummary {
    return this.file.update((doc) => {
      const claim = doc.claims.find((c) => c.id === id);
      if (!claim) throw new ClaimError(`no claim ${JSON.stringify(id)}`, 'unknown');
      const state = this.state(claim);
      if (state !== 'open') throw new ClaimError(`claim ${id} is ${state}: only an open claim can be revoked`, 'conflict');
      claim.revokedAt = new Date(this.now()).toISOString();
      return this.summary(claim);
    });
  }

  /**
   * Redeems `typed` exactly once: the claim is marked used before the credential is issued, so two
   * meters racing with one code cannot both win; if issuing fails the claim is open again.
   */
  async redeem(typed: string, redemption: Redemption = {}): Promise<{ claim: ClaimSummary; meter: IssuedMeter }> {
    const hardware = checkHardware(redemption.hardware ?? {});
    if (redemption.deviceId !== undefined) assertDeviceId(redemption.deviceId);
    const canonical = normalizeClaimCode(typed);
    if (!canonical) throw new ClaimError(REFUSED_MESSAGE, 'refused');
    const codeHash = claimCodeHash(canonical);
    const claimed = this.file.update((doc) => {
      const claim = doc.claims.find((c) => c.codeHash === codeHash);
      if (!claim || this.state(claim) !== 'open') throw new ClaimError(REFUSED_MESSAGE, 'refused');
      if (claim.deviceId && redemption.deviceId && claim.deviceId !== redemption.deviceId) {
        throw new ClaimError(`this claim code is for ${claim.deviceId}, not ${redemption.deviceId}`, 'conflict');
      }
      const deviceId = claim.deviceId ?? redemption.deviceId ?? `meter-${randomBytes(3).toString('hex')}`;
      claim.redeemedAt = new Date(this.now()).toISOString();
      claim.redeemedBy = { deviceId, hardware, ...(redemption.address ? { address: redemption.address } : {}) };
      return { ...claim };
    });
    const deviceId = claimed.redeemedBy!.deviceId;
    try {
      const [meter] = await this.credentials.add([deviceId]);
      return { claim: this.summary(claimed), meter };
    } catch (error) {
      this.file.update((doc) => {
        const claim = doc.claims.find((c) => c.id === claimed.id);
        if (claim) {
          delete claim.redeemedAt;
          delete claim.redeemedBy;
        }
      });
      if (!(error instanceof CredentialsError)) throw error;
      if (error.reason === 'exists') throw new ClaimError(`${deviceId} is already provisioned: revoke its credential first (the code stays open)`, 'conflict');
      throw new ClaimError(error.message, 'invalid');
    }
  }

  private state(claim: StoredClaim): ClaimState {
    if (claim.redeemedAt) return 'redeemed';
    if (claim.revokedAt) return 'revoked';
    return Date.parse(claim.expiresAt) <= this.now() ? 'expired' : 'open';
  }

  private summary(claim: StoredClaim): ClaimSummary {
    const { codeHash: _hash, ...visible } = claim;
    return { ...visible, state: this.state(claim) };
  }

  private prune(claims: StoredClaim[]): void {
    const cutoff = this.now() - KEEP_FINISHED_MS;
    const finishedAt = (c: StoredClaim) => Date.parse(c.redeemedAt ?? c.revokedAt ?? c.expiresAt);
    for (let k = claims.length - 1; k >= 0; k--) {
      if (this.state(claims[k]) !== 'open' && finishedAt(claims[k]) < cutoff) claims.splice(k, 1);
    }
  }
}

function assertDeviceId(id: string): void {
  if (!isValidDeviceId(id)) throw new ClaimError(`invalid device id ${JSON.stringify(id)}: letters, digits, _ . - (up to 64)`, 'invalid');
}

/** Hardware info is free-form but bounded: a few short strings (model, serial, mac, firmware …). */
function checkHardware(hardware: unknown): HardwareInfo {
  if (typeof hardware !== 'object' || hardware === null || Array.isArray(hardware)) throw new ClaimError('hardware must be an object of strings', 'invalid');
  const entries = Object.entries(hardware);
  if (entries.length > MAX_HARDWARE_FIELDS) throw new ClaimError(`hardware: at most ${MAX_HARDWARE_FIELDS} fields`, 'invalid');
  for (const [key, value] of entries) {
    if (typeof value !== 'string' || value.length > MAX_HARDWARE_VALUE || key.length > 64) {
      throw new ClaimError(`hardware.${key}: a string of at most ${MAX_HARDWARE_VALUE} characters`, 'invalid');
    }
  }
  return Object.fromEntries(entries) as HardwareInfo;
}
