/**
 * Sits between ingest and the store: gathers circuit points from many telemetry messages into
 * batches (InfluxDB likes 5–10k lines per request), retries transient failures with exponential
 * backoff and jitter, and bounds memory. Each write() resolves only when InfluxDB accepted its points,
 * so ingest acks only stored records (docs/invariants.md invariant 1).
 *
 * Failure policy:
 * - transient (network, 5xx, 429): retried up to maxRetries, then every caller in the batch is rejected;
 * - rejected (400: bad line, 1.x "partial write: field type conflict"): the batch is split per caller
 *   and each caller's points are written alone, so one bad record cannot hold back the others; only
 *   the caller whose points InfluxDB refuses gets the error (InfluxWriteError with permanent = true);
 * - config (401/403/404): no retry, every caller rejected;
 * - full (pending points would exceed maxPendingPoints): write() rejects at once with BackpressureError.
 */
import { BackpressureError, CircuitPoint, InfluxWriteError, TelemetryStore } from './storage.types';

export interface BatchingWriterOptions {
  /** Points queued or in flight at most; beyond it write() rejects with BackpressureError. */
  maxPendingPoints: number;
  /** Points per request (whole write() calls are never split, so a batch can exceed it by one call). */
  batchSize: number;
  /** How long a partial batch waits for company before it is sent. */
  flushIntervalMs: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Retries of a transient failure before the batch's callers are rejected. */
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  random: () => number;
}

export const DEFAULT_WRITER_OPTIONS: BatchingWriterOptions = {
  maxPendingPoints: 200_000,
  batchSize: 5000,
  flushIntervalMs: 50,
  concurrency: 2,
  maxRetries: 3,
  retryBaseMs: 250,
  retryMaxMs: 5000,
  random: Math.random,
};

export interface WriterHooks {
  counters?: { inc(name: string, by?: number): void };
  logger?: { warn(message: string): void };
}

/** "Equal jitter": half the capped exponential delay, plus up to as much again at random. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const cap = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return cap / 2 + random() * (cap / 2);
}

interface PendingWrite {
  points: CircuitPoint[];
  resolve(): void;
  reject(error: unknown): void;
}

function asWriteError(error: unknown): InfluxWriteError {
  if (error instanceof InfluxWriteError) return error;
  // Line protocol refuses a point (NaN, newline in a tag…): that point is bad, not the connection.
  if (error instanceof RangeError) return new InfluxWriteError(error.message, 'rejected');
  return new InfluxWriteError((error as Error)?.message ?? String(error), 'transient');
}

export class BatchingWriter {
  private readonly options: BatchingWriterOptions;
  private readonly queue: PendingWrite[] = [];
  private queuedPoints = 0;
  private inFlightPoints = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;
  private closing = false;

  constructor(
    private readonly store: Pick<TelemetryStore, 'writeCircuitPoints'>,
    options: Partial<BatchingWriterOptions> = {},
    private readonly hooks: WriterHooks = {},
  ) {
    this.options = { ...DEFAULT_WRITER_OPTIONS, ...options };
    for (const key of ['maxPendingPoints', 'batchSize', 'concurrency'] as const) {
      const value = this.options[key];
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`BatchingWriter: ${key} must be a positive integer, got ${value}`);
    }
  }

  /** Points accepted but not yet stored or failed. */
  get pendingPoints(): number {
    return this.queuedPoints + this.inFlightPoints;
  }

  /** Resolves once InfluxDB accepted every point; rejects with BackpressureError or InfluxWriteError. */
  write(points: CircuitPoint[]): Promise<void> {
    if (this.closing) return Promise.reject(new Error('BatchingWriter is closed'));
    if (points.length === 0) return Promise.resolve();
    if (this.pendingPoints + points.length > this.options.maxPendingPoints) {
      this.count('storage_backpressure_rejections');
      return Promise.reject(new BackpressureError(this.pendingPoints, this.options.maxPendingPoints));
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ points, resolve, reject });
      this.queuedPoints += points.length;
      this.pump(false);
    });
  }

  /** The CircuitPointWriter ingest injects. */
  writeCircuitPoints(points: CircuitPoint[]): Promise<void> {
    return this.write(points);
  }

  /** Sends everything queued now and waits until nothing is queued or in flight. */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight.size > 0) {
      this.pump(true);
      await Promise.race(this.inFlight);
    }
  }

  /** Refuses new writes, stops retrying, and settles everything queued. */
  async close(): Promise<void> {
    this.closing = true;
    await this.flush();
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private pump(force: boolean): void {
    const { batchSize, concurrency, flushIntervalMs } = this.options;
    while (this.queue.length > 0 && this.inFlight.size < concurrency && (force || this.closing || this.queuedPoints >= batchSize)) {
      const batch: PendingWrite[] = [];
      let size = 0;
      while (this.queue.length > 0 && (batch.length === 0 || size + this.queue[0].points.length <= batchSize)) {
        const next = this.queue.shift()!;
        batch.push(next);
        size += next.points.length;
      }
      this.queuedPoints -= size;
      this.inFlightPoints += size;
      const sent: Promise<void> = this.send(batch).finally(() => {
        this.inFlight.delete(sent);
        // What queued up meanwhile has waited long enough: send it now.
        this.pump(true);
      });
      this.inFlight.add(sent);
    }
    if (this.queue.length > 0 && this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump(true);
      }, flushIntervalMs);
    }
  }

  private async send(batch: PendingWrite[]): Promise<void> {
    const points = batch.length === 1 ? batch[0].points : batch.flatMap((w) => w.points);
    try {
      await this.writeWithRetry(points);
    } catch (error) {
      const failure = asWriteError(error);
      if (failure.kind === 'rejected' && batch.length > 1) {
        // Find the caller(s) whose points InfluxDB refuses; the others succeed on their own.
        // Rewriting points that a 1.x partial write already stored is harmless (same series + time).
        this.count('storage_batches_split');
        for (const write of batch) await this.send([write]);
        return;
      }
      this.count(failure.kind === 'rejected' ? 'storage_points_rejected' : 'storage_points_failed', points.length);
      this.hooks.logger?.warn(`${points.length} point(s) not stored (${failure.kind}): ${failure.message}`);
      for (const write of batch) this.settle(write, failure);
      return;
    }
    this.count('storage_points_written', points.length);
    this.count('storage_write_requests');
    for (const write of batch) this.settle(write);
  }

  /** Frees the write's share of the bound before its caller hears back, so the caller may write again at once. */
  private settle(write: PendingWrite, failure?: InfluxWriteError): void {
    this.inFlightPoints -= write.points.length;
    if (failure) write.reject(failure);
    else write.resolve();
  }

  private async writeWithRetry(points: CircuitPoint[]): Promise<void> {
    const { maxRetries, retryBaseMs, retryMaxMs, random } = this.options;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.store.writeCircuitPoints(points);
        return;
      } catch (error) {
        const failure = asWriteError(error);
        if (failure.kind !== 'transient' || attempt > maxRetries || this.closing) throw failure;
        this.count('storage_write_retries');
        await new Promise((done) => setTimeout(done, backoffMs(attempt, retryBaseMs, retryMaxMs, random)));
      }
    }
  }

  private count(name: string, by = 1): void {
    this.hooks.counters?.inc(name, by);
  }
}
