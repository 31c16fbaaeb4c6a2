/**
 * Keeps the downsampled tiers true (InfluxDB 1.x; infra/influxdb/README.md):
 * - at start it creates the retention policies and continuous queries of retention.ts (idempotent),
 *   retrying until InfluxDB answers;
 * - a record stored more than LATE_RECORD_MS after its own time (a meter replaying after an outage)
 *   may have missed the CQ runs of its minute: ingest reports it (noteStored) before acknowledging
 *   it, the 15-minute slot is kept in DATA_DIR/downsampling.json, and a worker recomputes both tiers
 *   for it. So every acknowledged record reaches rp_1m and rp_15m, also after the raw points expire;
 * - tiers created on an existing database are computed from all raw points first, and the raw policy
 *   is shortened to INFLUX_RAW_RETENTION only when nothing is left to recompute.
 * On InfluxDB 2.x/3.x there are no CQs: downsampling is a task the operator sets up (README), and
 * the relay and price history stay in the bucket.
 */
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { join } from 'node:path';
import { CLOCK, NowFn, TELEMETRY_STORE } from '../common/tokens';
import { JsonFileRepository } from '../common/json-file.repository';
import { AppConfig } from '../config/app-config';
import { measurementRef, quoteIdent, rowsOf } from './influxql';
import {
  DEFAULT_HISTORY,
  DEFAULT_TIERS,
  downsampleSelect,
  durationMs,
  ensureRetention,
  LATE_RECORD_MS,
  RetentionPlan,
  RetentionState,
} from './retention';
import { CIRCUIT_MEASUREMENT, TelemetryStore } from './storage.types';

const SLOT_MS = 15 * 60_000;
/** Longest range one SELECT … INTO recomputes (bounded work per statement on a big backfill). */
const CHUNK_MS = 6 * 3600_000;
export const RETENTION_TICK_MS = 10_000;
/** The plan is checked again this often (cheap, changes nothing when it holds): a wiped or edited database is repaired. */
const RECHECK_MS = 3600_000;

type Range = [from: number, to: number];

interface PendingFile {
  version: 1;
  /** Half-open [from, to) ranges (ms) whose downsampled points still have to be recomputed. */
  ranges: Range[];
}

/** Adds [from, to) to sorted, non-overlapping ranges, merging neighbours. */
export function addRange(ranges: readonly Range[], range: Range): Range[] {
  const out: Range[] = [];
  let [from, to] = range;
  for (const [a, b] of ranges) {
    if (b < from || a > to) out.push([a, b]);
    else [from, to] = [Math.min(a, from), Math.max(b, to)];
  }
  out.push([from, to]);
  return out.sort((x, y) => x[0] - y[0]);
}

const covers = (ranges: readonly Range[], [from, to]: Range) => ranges.some(([a, b]) => a <= from && to <= b);

export interface TierSource {
  /** `"rp"."circuit"` (or the bare measurement for the raw points). */
  from: string;
  /** A downsampled point is stamped with its interval's start; its last counter value is from the interval's end. */
  shiftMs: number;
}

@Injectable()
export class RetentionService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Retention');
  readonly plan: RetentionPlan;
  private readonly rawKeep?: string;
  private readonly file: JsonFileRepository<PendingFile>;
  /** Ranges to recompute that no worker run has taken yet. */
  private pending: Range[];
  /** Ranges the running worker pass is recomputing (still in the file until it succeeds). */
  private taken: Range[] = [];
  private state?: RetentionState;
  private checkedAt = 0;
  /** undefined until InfluxDB answered; false on 2.x/3.x. */
  private enabled?: boolean;
  private rawApplied = false;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopping = false;
  /** Settles once InfluxDB said which major version it is and, on 1.x, the policies exist. */
  private readonly ready: Promise<void>;
  private markReady!: () => void;

  constructor(
    @Inject(TELEMETRY_STORE) private readonly store: Pick<TelemetryStore, 'query' | 'major'>,
    config: AppConfig,
    @Optional() @Inject(CLOCK) private readonly now: NowFn = Date.now,
  ) {
    this.plan = { db: config.INFLUX_DB, tiers: [...DEFAULT_TIERS], history: { ...DEFAULT_HISTORY } };
    this.rawKeep = config.INFLUX_RAW_RETENTION === 'keep' ? undefined : config.INFLUX_RAW_RETENTION;
    this.file = new JsonFileRepository(join(config.DATA_DIR, 'downsampling.json'), 0);
    this.pending = this.file.load({ version: 1, ranges: [] }).ranges;
    this.ready = new Promise((resolve) => (this.markReady = resolve));
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.tick(), RETENTION_TICK_MS);
    this.timer.unref();
    void this.tick();
  }

  /** Waits for the statement under way only: what is left stays noted for the next start. */
  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Where relay and price history is (1.x, once its policy exists); undefined: the default policy. */
  get historyRp(): string | undefined {
    return this.enabled && this.state ? this.plan.history?.rp : undefined;
  }

  /**
   * The history policy for a write or read: waits (up to `waitMs`) for the set-up, so what is written
   * in the first moments after start does not land in the default policy, where later reads of the
   * history policy would not find it. Rejects when InfluxDB has not answered by then.
   */
  async historyRpWhenReady(waitMs = 30_000): Promise<string | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('InfluxDB is not ready yet (retention policies not set up); try again')), waitMs);
    });
    try {
      await Promise.race([this.ready, timeout]);
    } finally {
      clearTimeout(timer);
    }
    return this.historyRp;
  }

  /** Policies and CQs are in place and no late record waits for its downsampled points. */
  get settled(): boolean {
    return this.state !== undefined && this.pending.length === 0 && this.taken.length === 0;
  }

  /**
   * Ingest calls this after InfluxDB stored a record and before acknowledging it. Throws when the
   * note cannot be kept (disk): the caller must then not ack, and the meter replays the record.
   */
  noteStored(ts: number): void {
    if (this.enabled === false || !(this.now() - ts > LATE_RECORD_MS)) return;
    const slot: Range = [Math.floor(ts / SLOT_MS) * SLOT_MS, Math.floor(ts / SLOT_MS) * SLOT_MS + SLOT_MS];
    if (covers(this.pending, slot)) return;
    this.pending = addRange(this.pending, slot);
    this.persist();
  }

  /** The finest tier that still holds [from, …): raw points, then rp_1m, then rp_15m (the savings report reads old ranges there). */
  sourceFor(from: number): TierSource {
    const raw = { from: quoteIdent(CIRCUIT_MEASUREMENT), shiftMs: 0 };
    if (!this.enabled || !this.state) return raw;
    const age = this.now() - from;
    if (age < this.state.rawKeepMs) return raw;
    const tier = this.plan.tiers.find((t) => age < durationMs(t.keep)) ?? this.plan.tiers[this.plan.tiers.length - 1];
    return { from: measurementRef(CIRCUIT_MEASUREMENT, tier.rp), shiftMs: durationMs(tier.every) };
  }

  /** One pass: set up (until it worked once), recompute what is pending, then shorten the raw policy. Single-flight. */
  tick(): Promise<void> {
    this.running ??= this.pass()
      .catch((error: Error) => this.logger.warn(`downsampling not up to date yet: ${error.message}`))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<void> {
    if (this.enabled === undefined) {
      this.enabled = (await this.store.major()) === '1';
      if (!this.enabled) {
        this.logger.log('InfluxDB 2.x/3.x: no continuous queries; set up downsampling tasks as infra/influxdb/README.md shows');
        this.pending = [];
        this.persist();
        this.markReady();
      }
    }
    if (!this.enabled) return;
    if (!this.state || this.now() - this.checkedAt > RECHECK_MS) {
      await this.setUp();
      this.rawApplied = false;
    }
    await this.recompute();
    if (this.rawKeep !== undefined && !this.rawApplied && this.settled) {
      // Only now: every raw point the tiers need has been folded into them.
      const state = await ensureRetention(this.run, { ...this.plan, rawKeep: this.rawKeep });
      for (const statement of state.changed) this.logger.log(statement);
      this.state = state;
      this.rawApplied = true;
    }
  }

  private readonly run = (q: string) => this.store.query(q);

  private async setUp(): Promise<void> {
    const state = await ensureRetention(this.run, this.plan);
    this.checkedAt = this.now();
    for (const statement of state.changed) this.logger.log(statement);
    if (state.createdTiers.length > 0) {
      // New tiers on a database that may already hold raw points: compute them from all of it.
      const [first] = rowsOf(
        (await this.run(`SELECT first("seq") FROM ${quoteIdent(this.plan.db)}.${quoteIdent(state.defaultRp)}.${quoteIdent(CIRCUIT_MEASUREMENT)}`))[0],
      );
      if (typeof first?.time === 'number') {
        this.pending = addRange(this.pending, [Math.floor(first.time / SLOT_MS) * SLOT_MS, Math.ceil(this.now() / SLOT_MS) * SLOT_MS]);
        this.persist();
      }
    }
    const first = this.state === undefined;
    this.state = state;
    this.markReady();
    if (first || state.changed.length > 0) this.logger.log(`retention policies and continuous queries ready (${state.changed.length} change(s))`);
  }

  private async recompute(): Promise<void> {
    while (this.pending.length > 0) {
      this.taken = this.pending;
      this.pending = [];
      try {
        for (const [from, to] of this.taken) {
          for (const range of this.chunks(from, to)) {
            if (this.stopping) throw new Error('backend stopping; the rest is done at the next start');
            await this.downsample(range);
          }
        }
      } catch (error) {
        for (const range of this.taken) this.pending = addRange(this.pending, range);
        throw error;
      } finally {
        this.taken = [];
      }
      this.persist();
    }
  }

  /** [from, to) in CHUNK_MS pieces, also cut where a tier's retention ends (see downsample). */
  private chunks(from: number, to: number): { from: number; to: number }[] {
    const cuts = this.plan.tiers.map((t) => this.horizon(t.keep)).filter((h) => h > from && h < to);
    const out = [];
    for (let start = from; start < to; ) {
      const end = Math.min(to, start + CHUNK_MS, ...cuts.filter((c) => c > start));
      out.push({ from: start, to: end });
      start = end;
    }
    return out;
  }

  /**
   * Tier by tier, each reading the one before it; a tier that no longer keeps the range (an old
   * install's raw points older than 400 days) is skipped and the next one reads the raw points.
   */
  private async downsample(range: { from: number; to: number }): Promise<void> {
    let previousKept = true;
    for (const [i, tier] of this.plan.tiers.entries()) {
      const kept = range.from >= this.horizon(tier.keep);
      if (kept) await this.run(downsampleSelect(this.plan, i, range, this.state!.defaultRp, i === 0 || !previousKept));
      previousKept = kept;
    }
  }

  /** The oldest instant a policy of this duration surely still keeps: a day of margin against its expiry runs. */
  private horizon(keep: string): number {
    const ms = durationMs(keep);
    return ms === Infinity ? -Infinity : Math.ceil((this.now() - ms + 86_400_000) / SLOT_MS) * SLOT_MS;
  }

  private persist(): void {
    let ranges = this.pending;
    for (const range of this.taken) ranges = addRange(ranges, range);
    this.file.save({ version: 1, ranges });
    this.file.flush();
  }
}
