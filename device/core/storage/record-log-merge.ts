/**
 * Merging for the record log (README.md "Merging"): when space runs out, the oldest sectors of a
 * tier are folded into coarser records of the next tier (TIERS) that keep the energy counters
 * exact and name the seqs they replace.
 */
import { writeU32 } from './byte-io';
import { entryBytes, EntryType, SECTOR_HEADER_BYTES, TIERS } from './flash-layout';
import { CodecState } from './record-codec';
import { bucketOf, MergeAccumulator } from './record-merge';
import { LIVE, FREE_DIRTY, SectorIndex } from './sector-index';
import { encodeEntry, sealEntry, SectorIo } from './sector-io';

/** One sector for the next raw head, one for a merge output. */
export const RESERVE_SECTORS = 2;
/** Raw records stop this short of the sector end, so one input sector always fits an empty merge output. */
export const RECORD_SLACK_BYTES = 256;
/** Bounds the flash work one append can trigger (a merge pass reads at most this many sectors). */
const MAX_MERGE_INPUTS = 8;

interface MergePlan {
  consumed: number;
  stagedBytes: number;
  /** End offsets of staged entries in `staging`. */
  entryEnds: number[];
  outputs: number;
  inputRecords: number;
  firstOutputSeq: number;
  lastOutputSeq: number;
}

export interface MergeCounters {
  merges: number;
  recordsMerged: number;
}

/** What a merge needs of the log at that moment. */
export interface MergeContext {
  /** The raw head sector: never a merge input. */
  head: number;
  ackedSeq: number;
  /** Erases (if needed) a free sector and writes its header; returns it. */
  allocate(tier: number, tsMs: number): number;
}

export class RecordMerger {
  private readonly mergeState: CodecState;
  private readonly trialState: CodecState;
  private readonly savedState: CodecState;
  private readonly accumulator: MergeAccumulator;
  private readonly savedAccumulator: MergeAccumulator;
  /** Merge output being built. */
  private readonly staging: Uint8Array;
  private readonly commitEntry = new Uint8Array(entryBytes(8));

  constructor(
    private readonly index: SectorIndex,
    private readonly io: SectorIo,
    circuits: number,
    /** The log's state for reading a sector (not in use while a merge runs). */
    private readonly readState: CodecState,
    private readonly counters: MergeCounters,
  ) {
    this.mergeState = new CodecState(circuits);
    this.trialState = new CodecState(circuits);
    this.savedState = new CodecState(circuits);
    this.accumulator = new MergeAccumulator(circuits);
    this.savedAccumulator = new MergeAccumulator(circuits);
    this.staging = new Uint8Array(io.sectorSize);
  }

  /** Merges the tier furthest over its quota; else degrades the oldest data first. False: nothing could merge. */
  makeRoom(context: MergeContext): boolean {
    const { index } = this;
    const counts = TIERS.map(() => 0);
    for (let s = 0; s < index.sectors; s++) {
      if (index.state[s] === LIVE && s !== context.head && index.count[s] > 0) counts[index.tier[s]]++;
    }
    const usable = index.sectors - 1 - RESERVE_SECTORS;
    const top = TIERS.length - 1;
    // Over-quota tiers, largest excess first (a tie goes to the coarser tier: it frees more per pass).
    const excess = counts.map((count, tier) =>
      tier < top ? count - Math.floor(usable * TIERS[tier].quota) : 0,
    );
    const overQuota = excess.map((_, tier) => tier).filter((tier) => excess[tier] > 0);
    overQuota.sort((a, b) => excess[b] - excess[a] || b - a);
    for (const tier of overQuota) {
      if (this.mergeTier(tier, context)) return true;
    }
    for (let tier = top - 1; tier >= 0; tier--) {
      if (counts[tier] > 0 && this.mergeTier(tier, context)) return true;
    }
    return false;
  }

  /**
   * Merges the oldest sectors of `tier` into records of the next tier, appended to
   * that tier's open sector (or a new one), then a MERGE_COMMIT naming the input seq range. Only after the
   * commit are the inputs free: a cut before it leaves the inputs valid and the partial output ignored.
   */
  private mergeTier(tier: number, context: MergeContext): boolean {
    const { index, io } = this;
    const S = io.sectorSize;
    // As many inputs as fit one pass: a pass that ends inside a bucket splits it into two records.
    const inputs = index
      .liveSectorsBySeq((s) => s !== context.head && index.tier[s] === tier)
      .slice(0, MAX_MERGE_INPUTS);
    if (inputs.length === 0) return false;
    const outTier = tier + 1;
    let out = -1;
    for (let s = 0; s < index.sectors; s++) {
      if (
        index.state[s] === LIVE &&
        index.tier[s] === outTier &&
        !index.closed[s] &&
        (out < 0 || index.generation[s] > index.generation[out])
      )
        out = s;
    }
    let plan: MergePlan | undefined;
    if (out >= 0) {
      io.forEachRecord(out, () => true, this.mergeState);
      plan = this.stageMerge(
        inputs,
        outTier,
        index.baseTsS[out] * 1000,
        S - RECORD_SLACK_BYTES - index.writeEnd[out],
        context.ackedSeq,
      );
      if (plan.consumed === 0) {
        index.closed[out] = 1;
        out = -1;
      }
    }
    let newBaseTsMs = 0;
    if (out < 0) {
      if (index.freeCount() === 0) return false;
      newBaseTsMs = index.baseTsS[inputs[0]] * 1000;
      this.mergeState.reset();
      plan = this.stageMerge(inputs, outTier, newBaseTsMs, S - SECTOR_HEADER_BYTES, context.ackedSeq);
      if (plan.consumed === 0) return false;
      out = context.allocate(outTier, newBaseTsMs);
    }
    const p = plan!;
    let start = 0;
    for (const end of p.entryEnds) {
      io.writeEntry(out, this.staging, start, end - start);
      start = end;
    }
    let lo = 0xffffffff;
    let hi = 0;
    for (let i = 0; i < p.consumed; i++) {
      lo = Math.min(lo, index.firstSeq[inputs[i]]);
      hi = Math.max(hi, index.lastSeq[inputs[i]]);
    }
    const commit = this.commitEntry;
    const size = sealEntry(commit, 0, EntryType.mergeCommit, 8, (at) => {
      writeU32(commit, at, lo);
      writeU32(commit, at + 4, hi);
    });
    io.writeEntry(out, commit, 0, size);
    index.validEnd[out] = index.writeEnd[out];
    if (p.outputs > 0) index.noteRecords(out, p.firstOutputSeq, p.lastOutputSeq, p.outputs);
    index.noteMerged(out, lo, hi);
    for (let i = 0; i < p.consumed; i++) index.state[inputs[i]] = FREE_DIRTY;
    this.counters.merges++;
    this.counters.recordsMerged += p.inputRecords - p.outputs;
    return true;
  }

  /**
   * Builds merged entries in `staging` (chain state in mergeState) for as many whole input sectors as fit in
   * `room`, keeping space for the MERGE_COMMIT. Buckets run on across input sectors.
   */
  private stageMerge(
    inputs: number[],
    outTier: number,
    baseTsMs: number,
    room: number,
    ackedSeq: number,
  ): MergePlan {
    const bucketS = TIERS[outTier].bucketS;
    const acc = this.accumulator;
    const state = this.mergeState;
    const limit = room - entryBytes(8);
    const plan: MergePlan = {
      consumed: 0,
      stagedBytes: 0,
      entryEnds: [],
      outputs: 0,
      inputRecords: 0,
      firstOutputSeq: 0,
      lastOutputSeq: 0,
    };
    acc.reset();
    const flush = (): boolean => {
      const record = acc.result();
      const size = encodeEntry(
        this.staging,
        plan.stagedBytes,
        limit - plan.stagedBytes,
        record,
        state,
        baseTsMs,
      );
      if (size === 0) return false;
      plan.stagedBytes += size;
      plan.entryEnds.push(plan.stagedBytes);
      if (plan.outputs === 0) plan.firstOutputSeq = record.seq;
      plan.lastOutputSeq = record.seq;
      plan.outputs++;
      acc.reset();
      return true;
    };
    for (const s of inputs) {
      const saved = {
        stagedBytes: plan.stagedBytes,
        entries: plan.entryEnds.length,
        outputs: plan.outputs,
        first: plan.firstOutputSeq,
        last: plan.lastOutputSeq,
      };
      this.savedState.copyFrom(state);
      this.savedAccumulator.copyFrom(acc);
      let ok = true;
      let records = 0;
      this.io.forEachRecord(
        s,
        (record) => {
          records++;
          if (record.seq <= ackedSeq) return true;
          const bucket = bucketOf(record.ts, bucketS);
          if (acc.count > 0 && bucket !== acc.bucket) ok = flush();
          if (ok) acc.add(record, bucket);
          return ok;
        },
        this.readState,
      );
      if (ok && acc.count > 0) {
        // The open bucket must fit too, in case no further input follows.
        this.trialState.copyFrom(state);
        ok =
          encodeEntry(
            this.staging,
            plan.stagedBytes,
            limit - plan.stagedBytes,
            acc.result(),
            this.trialState,
            baseTsMs,
          ) > 0;
      }
      if (!ok) {
        plan.stagedBytes = saved.stagedBytes;
        plan.entryEnds.length = saved.entries;
        plan.outputs = saved.outputs;
        plan.firstOutputSeq = saved.first;
        plan.lastOutputSeq = saved.last;
        state.copyFrom(this.savedState);
        acc.copyFrom(this.savedAccumulator);
        break;
      }
      plan.consumed++;
      plan.inputRecords += records;
    }
    if (plan.consumed > 0 && acc.count > 0) flush();
    return plan;
  }
}
