/**
 * The meter's firmware update (docs/ota.md): a signed `firmware` order is checked (Ed25519 over the
 * manifest, with the key built into this image) before a byte is fetched; the image streams into
 * the other slot while its SHA-256 is computed; a broken download resumes with an HTTP Range
 * request, also after a power cut (the hash state is checkpointed in settings); a complete image
 * whose SHA-256 matches boots next as `pending`. A pending image is confirmed once it has reached
 * the backend; if it does not within `confirmDeadlineMs`, or boots again unconfirmed, the previous
 * image is rolled back. Portable: driven by `tick()`, the command path and the HTTP callbacks.
 */
import { FirmwareOrder, firmwareManifestBytes, firmwareManifestProblem, fromHex, OtaStatus, toHex } from '@dinmeter/shared';
import { Clock, SettingsStore } from '../ports';
import { ed25519Verify } from '../security/ed25519';
import { Sha256Stream } from '../security/sha256';
import { FirmwareSlots, HttpRangePort } from './ota.ports';

export interface OtaAgentOptions {
  slots: FirmwareSlots;
  http: HttpRangePort;
  settings: SettingsStore;
  clock: Clock;
  /** The firmware signing key built into this image (shared/src/firmware); none: every order is refused. */
  publicKey?: Uint8Array;
  /** A new image must reach the backend within this much uptime (default 5 min). */
  confirmDeadlineMs?: number;
  /** The download state is saved every this many bytes (default 64 KiB): what a power cut can cost. */
  checkpointBytes?: number;
  /** Download attempts before giving up (default 10), `retryMs` apart (default 5 s). */
  maxAttempts?: number;
  retryMs?: number;
  /** The status changed: publish it. */
  onStatus(status: OtaStatus): void;
}

/** The answer to an order, for its command ack. */
export type OrderResult = { ok: true } | { ok: false; code: 'invalid' | 'unsupported'; error: string };

interface Job {
  order: FirmwareOrder;
  /** Bytes in the slot and hashed at the last checkpoint. */
  written: number;
  hash: string;
}

const JOB_KEY = 'ota.job';
const RESULT_KEY = 'ota.result';
/** Time for the `rebooting` status to leave before the restart. */
const RESTART_DELAY_MS = 1000;

export class OtaAgent {
  private readonly confirmDeadlineMs: number;
  private readonly checkpointBytes: number;
  private readonly maxAttempts: number;
  private readonly retryMs: number;
  private current?: OtaStatus;
  private job?: Job;
  private hash?: Sha256Stream;
  private written = 0;
  private checkpointed = 0;
  private attempts = 0;
  private download?: { abort(): void };
  private retryAtMs?: number;
  private restartAtMs?: number;
  private confirmByMs?: number;

  constructor(private readonly o: OtaAgentOptions) {
    this.confirmDeadlineMs = o.confirmDeadlineMs ?? 5 * 60_000;
    this.checkpointBytes = o.checkpointBytes ?? 64 * 1024;
    this.maxAttempts = o.maxAttempts ?? 10;
    this.retryMs = o.retryMs ?? 5000;
  }

  /** What status says about updates: undefined when there never was one. */
  get status(): OtaStatus | undefined {
    return this.current;
  }

  /** Boot: roll back an image that had its chance, arm the deadline of a new one, resume a download. */
  start(): void {
    const running = this.o.slots.running();
    this.current = readJson<OtaStatus>(this.o.settings, RESULT_KEY);
    if (running.state === 'pending') {
      if (running.bootAttempts > 1) return this.rollBack(running.version, 'it restarted before reaching the backend');
      this.confirmByMs = this.o.clock.monotonicMs() + this.confirmDeadlineMs;
      this.current = { state: 'pending', version: running.version };
      return;
    }
    if (this.current?.state === 'rebooting' && this.current.version !== running.version) {
      // ESP32: the bootloader's app rollback went back by itself (the new image reset before confirming).
      return this.finish({ state: 'rolled_back', version: this.current.version, error: `firmware ${this.current.version} rolled back: it restarted before reaching the backend and ${running.version} booted again`.slice(0, 200) });
    }
    const job = readJson<Job>(this.o.settings, JOB_KEY);
    if (job) this.resume(job);
  }

  /** A verified, in-date `firmware` command (the command path checked MAC, expiry and seq). */
  handleOrder(order: FirmwareOrder): OrderResult {
    if (!this.o.publicKey) return { ok: false, code: 'unsupported', error: 'this image has no firmware key built in: it accepts no update (docs/ota.md)' };
    if (this.job?.order.sha256 === order.sha256 && this.job.order.version === order.version) return { ok: true }; // a repeat: carry on
    if (this.job || this.restartAtMs !== undefined) return { ok: false, code: 'invalid', error: `an update to ${this.job?.order.version ?? 'another image'} is in progress` };
    if (this.confirmByMs !== undefined) return { ok: false, code: 'invalid', error: `the running image ${this.current?.version} is not confirmed yet` };
    const manifest = { version: order.version, sizeBytes: order.size, sha256: order.sha256 };
    const problem = firmwareManifestProblem(manifest);
    if (problem) return this.refuse(order.version, problem);
    if (!ed25519Verify(this.o.publicKey, firmwareManifestBytes(manifest), fromHex(order.signature))) {
      return this.refuse(order.version, `the signature of firmware ${order.version} does not verify with this meter's firmware key ${toHex(this.o.publicKey).slice(0, 16)}…: not installed`);
    }
    if (order.version === this.o.slots.running().version) return this.refuse(order.version, `firmware ${order.version} is already running`);
    this.o.settings.delete(RESULT_KEY);
    this.resume({ order, written: 0, hash: new Sha256Stream().state() });
    return { ok: true };
  }

  /** The backend has seen this boot (it acknowledged telemetry or heartbeats us while connected). */
  onBackendReached(): void {
    if (this.confirmByMs === undefined || !this.current) return;
    this.confirmByMs = undefined;
    this.o.slots.confirm();
    this.finish({ state: 'confirmed', version: this.current.version });
  }

  tick(): void {
    const now = this.o.clock.monotonicMs();
    if (this.restartAtMs !== undefined && now >= this.restartAtMs) {
      this.restartAtMs = undefined;
      return this.o.slots.restart();
    }
    if (this.confirmByMs !== undefined && now >= this.confirmByMs && this.current) {
      this.confirmByMs = undefined;
      return this.rollBack(this.current.version, `it did not reach the backend within ${Math.round(this.confirmDeadlineMs / 1000)} s`);
    }
    if (this.retryAtMs !== undefined && now >= this.retryAtMs) {
      this.retryAtMs = undefined;
      this.fetch();
    }
  }

  private resume(job: Job): void {
    this.job = job;
    this.attempts = 0;
    const at = this.o.slots.open(job.order.size, job.written);
    let hash: Sha256Stream | undefined;
    try {
      hash = at === job.written ? Sha256Stream.resume(job.hash) : undefined;
    } catch {
      hash = undefined; // an unreadable checkpoint: start the image again
    }
    this.hash = hash ?? new Sha256Stream();
    this.written = this.checkpointed = hash ? at : this.o.slots.open(job.order.size, 0);
    this.saveJob();
    this.fetch();
  }

  private fetch(): void {
    const job = this.job;
    if (!job) return;
    this.attempts++;
    this.setStatus({ state: 'downloading', version: job.order.version, bytes: this.written, size: job.order.size });
    const download = this.o.http.get(job.order.url, this.written, {
      onData: (chunk) => this.download === download && this.onData(chunk),
      onEnd: () => this.download === download && this.onEnd(),
      onError: (message) => this.download === download && this.retry(message),
    });
    this.download = download;
  }

  private onData(chunk: Uint8Array): void {
    const job = this.job as Job;
    if (this.written + chunk.length > job.order.size) return this.fail(`the image is longer than the announced ${job.order.size} bytes`);
    this.o.slots.write(chunk);
    (this.hash as Sha256Stream).update(chunk);
    this.written += chunk.length;
    if (this.written - this.checkpointed >= this.checkpointBytes) {
      this.checkpointed = this.written;
      this.saveJob();
      this.setStatus({ state: 'downloading', version: job.order.version, bytes: this.written, size: job.order.size });
    }
  }

  private onEnd(): void {
    const job = this.job as Job;
    if (this.written < job.order.size) return this.retry(`the download ended at ${this.written} of ${job.order.size} bytes`);
    this.download = undefined;
    const sha256 = toHex((this.hash as Sha256Stream).digest());
    if (sha256 !== job.order.sha256) return this.fail(`the image's SHA-256 is ${sha256}, the signed manifest says ${job.order.sha256}`);
    this.o.slots.activate(job.order.version);
    this.clearJob();
    this.restartAtMs = this.o.clock.monotonicMs() + RESTART_DELAY_MS;
    // Kept: if the next boot runs another version, the platform's bootloader refused or reverted this one.
    this.finish({ state: 'rebooting', version: job.order.version, bytes: this.written, size: job.order.size });
  }

  private retry(message: string): void {
    this.download = undefined;
    const job = this.job as Job;
    if (this.attempts >= this.maxAttempts) return this.fail(`download failed ${this.attempts} times, last: ${message}`);
    // Keep what arrived: the next request starts where this one stopped.
    this.checkpointed = this.written;
    this.saveJob();
    this.retryAtMs = this.o.clock.monotonicMs() + this.retryMs;
    this.setStatus({ state: 'downloading', version: job.order.version, bytes: this.written, size: job.order.size, error: message.slice(0, 200) });
  }

  private fail(error: string): void {
    const version = (this.job as Job).order.version;
    this.download?.abort();
    this.download = undefined;
    this.o.slots.abort();
    this.clearJob();
    this.refuse(version, error);
  }

  private refuse(version: string, error: string): OrderResult {
    this.finish({ state: 'failed', version, error: error.slice(0, 200) });
    return { ok: false, code: 'invalid', error };
  }

  private rollBack(version: string, why: string): void {
    this.o.slots.rollBack();
    this.finish({ state: 'rolled_back', version, error: `firmware ${version} rolled back: ${why}`.slice(0, 200) });
    this.restartAtMs = this.o.clock.monotonicMs() + RESTART_DELAY_MS;
  }

  /** An outcome: kept across reboots until the next order. */
  private finish(status: OtaStatus): void {
    this.o.settings.set(RESULT_KEY, JSON.stringify(status));
    this.setStatus(status);
  }

  private setStatus(status: OtaStatus): void {
    this.current = status;
    this.o.onStatus(status);
  }

  private saveJob(): void {
    const job = this.job as Job;
    job.written = this.written;
    job.hash = (this.hash as Sha256Stream).state();
    this.o.settings.set(JOB_KEY, JSON.stringify(job));
  }

  private clearJob(): void {
    this.job = undefined;
    this.hash = undefined;
    this.o.settings.delete(JOB_KEY);
  }
}

function readJson<T>(settings: SettingsStore, key: string): T | undefined {
  const text = settings.get(key);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    settings.delete(key);
    return undefined;
  }
}
