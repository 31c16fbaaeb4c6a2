/**
 * Store-and-forward record log on a raw NOR flash partition (docs/invariants.md invariant 1, README.md here).
 *
 * - Append-only entries, each committed by a word written last: a write torn at any byte is skipped at boot.
 * - Sectors carry a generation, the seq high-water mark and the ack point in their header, so seqs are never
 *   reused and the ack point survives even when every record was acked and erased.
 * - Acked sectors are reclaimed whole (erased lazily when reused). Unacked data is never dropped while it can
 *   still be merged: when space runs out the oldest sectors are merged into coarser records (TIERS) that keep
 *   the energy counters exact and name the seqs they replace (`merged_from_seq`; record-log-merge.ts).
 * - RAM is a fixed index per sector (sector-index.ts) plus sector-sized buffers, whatever the number of records.
 */
import { TelemetryMessage } from '@dinmeter/shared';
import { FlashPartition } from '../ports';
import { RecordLogOpenResult, RecordLogOptions, RecordLogStats } from './record-log.types';
import { writeU32 } from './byte-io';
import {
  decodeSectorHeader,
  encodeSectorHeader,
  EntryType,
  SECTOR_HEADER_BYTES,
  TIERS,
} from './flash-layout';
import { CodecState, StoredRecord } from './record-codec';
import { RECORD_SLACK_BYTES, RecordMerger, RESERVE_SECTORS } from './record-log-merge';
import { isSuperseded, scanSector } from './record-log-scan';
import { FREE_DIRTY, FREE_ERASED, LIVE, SectorIndex } from './sector-index';
import { encodeEntry, isErased, sealEntry, SectorIo } from './sector-io';

export type { RecordLogOpenResult, RecordLogOptions, RecordLogStats } from './record-log.types';

export class RecordLog {
  private readonly flash: FlashPartition;
  private readonly sectors: number;
  private readonly sectorSize: number;
  private readonly index: SectorIndex;
  private readonly io: SectorIo;
  private readonly merger: RecordMerger;

  /** The raw sector appends go to; -1 before the first append. */
  private head = -1;
  private headState: CodecState;
  private spareState: CodecState;
  private readonly readState: CodecState;
  /** One entry being built. */
  private readonly entryBuffer: Uint8Array;

  private lastTsMs = 0;
  private nextGeneration = 1;
  private lastAllocated = -1;
  private seqNext = 1;
  private acked = 0;
  private pending = 0;
  private opened = false;
  private readonly counters = {
    sectorsErased: 0,
    merges: 0,
    recordsMerged: 0,
    recordsDropped: 0,
    corruptRecords: 0,
    rawBytes: 0,
    rawRecords: 0,
  };

  constructor(options: RecordLogOptions) {
    const { flash, circuits } = options;
    if (!flash) throw new Error('RecordLog needs a flash partition');
    this.flash = flash;
    this.sectorSize = flash.sectorSize;
    this.sectors = flash.byteLength / flash.sectorSize;
    if (!(Number.isInteger(this.sectors) && this.sectors >= 4)) {
      throw new RangeError(
        `partition of ${flash.byteLength} bytes holds ${this.sectors} sectors of ${flash.sectorSize}; at least 4 are needed`,
      );
    }
    if (!(this.sectorSize % 4 === 0 && this.sectorSize >= 1024))
      throw new RangeError(`sector size ${this.sectorSize}`);
    this.index = new SectorIndex(this.sectors);
    this.io = new SectorIo(flash, this.index, this.sectorSize, this.counters);
    this.headState = new CodecState(circuits);
    this.spareState = new CodecState(circuits);
    this.readState = new CodecState(circuits);
    this.merger = new RecordMerger(this.index, this.io, circuits, this.readState, this.counters);
    this.entryBuffer = new Uint8Array(this.sectorSize);
  }

  /** Scans flash, skips torn writes, finishes or discards an interrupted merge. Call once at boot. */
  open(): RecordLogOpenResult {
    if (this.opened) throw new Error('RecordLog.open() was already called');
    const { index } = this;
    const n = this.sectors;
    const S = this.sectorSize;
    let torn = 0;
    let maxGeneration = 0;
    let maxBaseSeq = 0;
    let maxSeq = 0;
    const hasHeader = new Uint8Array(n);
    for (let s = 0; s < n; s++) {
      index.forget(s);
      const buf = this.flash.read(s * S, S);
      const header = decodeSectorHeader(buf);
      if (!header) {
        index.state[s] = isErased(buf, 0, S) ? FREE_ERASED : FREE_DIRTY;
        continue;
      }
      hasHeader[s] = 1;
      index.tier[s] = header.tier;
      index.generation[s] = header.generation;
      index.baseTsS[s] = header.baseTsS;
      if (header.generation >= maxGeneration) {
        maxGeneration = header.generation;
        this.lastAllocated = s;
      }
      maxBaseSeq = Math.max(maxBaseSeq, header.baseSeq);
      const scanned = scanSector(index, s, buf, this.counters);
      this.acked = Math.max(this.acked, header.ackedSeq, scanned.ackedSeq);
      torn += scanned.torn;
      maxSeq = Math.max(maxSeq, index.lastSeq[s]);
      if (header.tier === 0 && (this.head < 0 || header.generation > index.generation[this.head]))
        this.head = s;
    }
    this.nextGeneration = maxGeneration + 1;
    this.seqNext = Math.max(1, maxBaseSeq, maxSeq + 1);
    if (this.acked >= this.seqNext) this.acked = this.seqNext - 1;

    for (let s = 0; s < n; s++) {
      if (!hasHeader[s]) continue;
      const live =
        s === this.head ||
        (index.count[s] > 0 && index.lastSeq[s] > this.acked && !isSuperseded(index, s, hasHeader));
      index.state[s] = live ? LIVE : FREE_DIRTY;
    }
    if (this.head >= 0) {
      this.io.forEachRecord(
        this.head,
        (record) => {
          this.lastTsMs = record.ts;
          return true;
        },
        this.headState,
      );
      if (this.lastTsMs === 0) this.lastTsMs = index.baseTsS[this.head] * 1000;
    }
    this.opened = true;
    this.recountPending();

    return { ...this.index.liveSummary(), tornRecordsSkipped: torn };
  }

  /** Next seq to assign: never reused, even after everything was acked and erased. */
  get nextSeq(): number {
    return this.seqNext;
  }

  /** Highest acked seq (persists across reboot). */
  get ackedSeq(): number {
    return this.acked;
  }

  /** Records not yet acked (a merged record counts once). */
  get pendingCount(): number {
    return this.pending;
  }

  /** Stores the record durably and returns its seq; merges old data when the partition is full. `acked_seq` is not stored. */
  append(record: Omit<TelemetryMessage, 'v' | 'seq' | 'acked_seq'>): number {
    this.assertOpen();
    const seq = this.seqNext;
    if (seq > 0xffffffff) throw new RangeError('seq space exhausted');
    const stored: StoredRecord = {
      v: 1,
      seq,
      ts: record.ts,
      interval_s: record.interval_s,
      circuits: record.circuits,
    };
    let size = this.encodeHeadEntry(stored);
    if (size === 0) {
      this.openRawHead(record.ts);
      size = this.encodeHeadEntry(stored);
      if (size === 0) throw new RangeError(`record ${seq} does not fit in a ${this.sectorSize}-byte sector`);
    }
    const s = this.head;
    this.io.writeEntry(s, this.entryBuffer, 0, size);
    const state = this.headState;
    this.headState = this.spareState;
    this.spareState = state;
    this.index.noteRecords(s, seq, seq, 1);
    this.seqNext = seq + 1;
    this.pending++;
    this.lastTsMs = stored.ts;
    this.counters.rawBytes += size;
    this.counters.rawRecords++;
    return seq;
  }

  /**
   * Records with seq > afterSeq, oldest first, at most max, with `acked_seq` = the current ack point.
   * Acked records are gone: never returned.
   */
  readFrom(afterSeq: number, max: number): (StoredRecord & TelemetryMessage)[] {
    this.assertOpen();
    const out: (StoredRecord & TelemetryMessage)[] = [];
    if (!(max > 0)) return out;
    afterSeq = Math.max(afterSeq, this.acked);
    for (const s of this.index.liveSectorsBySeq((s) => this.index.lastSeq[s] > afterSeq)) {
      this.io.forEachRecord(
        s,
        (record) => {
          if (record.seq > afterSeq) out.push({ ...record, acked_seq: this.acked });
          return out.length < max;
        },
        this.readState,
      );
      if (out.length >= max) break;
    }
    return out;
  }

  /** The newest record still on flash, acked or not (energy counters restore from it). */
  latest(): StoredRecord | undefined {
    this.assertOpen();
    let best = -1;
    for (let s = 0; s < this.sectors; s++) {
      if (this.index.count[s] > 0 && (best < 0 || this.index.lastSeq[s] > this.index.lastSeq[best])) best = s;
    }
    if (best < 0) return undefined;
    let last: StoredRecord | undefined;
    this.io.forEachRecord(
      best,
      (record) => {
        last = record;
        return true;
      },
      this.readState,
    );
    return last;
  }

  /**
   * The backend stored everything <= uptoSeq durably. Persists the ack point (an ACK entry in the head
   * sector, or the header of a new one) and frees fully acked sectors; they are erased when reused.
   */
  ack(uptoSeq: number): void {
    this.assertOpen();
    if (!Number.isInteger(uptoSeq) || uptoSeq < 0) throw new RangeError(`ack seq ${uptoSeq}`);
    if (uptoSeq <= this.acked) return;
    if (uptoSeq >= this.seqNext)
      throw new RangeError(`ack ${uptoSeq} is beyond the last seq ${this.seqNext - 1}`);
    this.acked = uptoSeq;
    // Freed first, so a merge the new head may need never picks acked sectors. Should the ack not reach
    // flash, nothing is lost: these records were stored by the backend, the rest is resent.
    for (let s = 0; s < this.sectors; s++) {
      if (this.index.state[s] === LIVE && s !== this.head && this.index.lastSeq[s] <= this.acked)
        this.index.state[s] = FREE_DIRTY;
    }
    const size = sealEntry(this.entryBuffer, 0, EntryType.ack, 4, (at) =>
      writeU32(this.entryBuffer, at, uptoSeq),
    );
    if (
      this.head >= 0 &&
      !this.index.closed[this.head] &&
      this.index.writeEnd[this.head] + size <= this.sectorSize
    ) {
      this.io.writeEntry(this.head, this.entryBuffer, 0, size);
    } else {
      this.openRawHead(this.lastTsMs); // its header carries the ack point
    }
    this.recountPending();
  }

  stats(): RecordLogStats {
    let bytesUsed = 0;
    let records = 0;
    const sectorsPerTier = TIERS.map(() => 0);
    for (let s = 0; s < this.sectors; s++) {
      if (this.index.state[s] !== LIVE) continue;
      bytesUsed += this.index.writeEnd[s];
      records += this.index.count[s];
      sectorsPerTier[this.index.tier[s]]++;
    }
    const c = this.counters;
    return {
      bytesUsed,
      bytesFree: this.flash.byteLength - bytesUsed,
      sectorsErased: c.sectorsErased,
      merges: c.merges,
      bytesPerRecord: c.rawRecords > 0 ? c.rawBytes / c.rawRecords : records > 0 ? bytesUsed / records : 0,
      recordsMerged: c.recordsMerged,
      recordsDropped: c.recordsDropped,
      corruptRecords: c.corruptRecords,
      sectorsPerTier,
    };
  }

  // ---- sectors -------------------------------------------------------------------------------

  /** Encodes `record` for the head sector into entryBuffer (chain state in spareState); 0 if it does not fit. */
  private encodeHeadEntry(record: StoredRecord): number {
    const s = this.head;
    if (s < 0 || this.index.closed[s]) return 0;
    const room = this.sectorSize - RECORD_SLACK_BYTES - this.index.writeEnd[s];
    this.spareState.copyFrom(this.headState);
    return encodeEntry(this.entryBuffer, 0, room, record, this.spareState, this.index.baseTsS[s] * 1000);
  }

  /** Erases (if needed) the next free sector in ring order, for even wear, and writes its header. */
  private allocate(tier: number, tsMs: number): number {
    const { index } = this;
    let s = -1;
    for (let i = 1; i <= this.sectors; i++) {
      const candidate = (this.lastAllocated + i) % this.sectors;
      if (index.state[candidate] !== LIVE) {
        s = candidate;
        break;
      }
    }
    if (s < 0) throw new Error('record log has no free sector');
    const dirty = index.state[s] === FREE_DIRTY;
    index.forget(s);
    index.state[s] = LIVE;
    if (dirty) {
      this.counters.sectorsErased++;
      this.flash.eraseSector(s);
    }
    const baseTsS = Math.max(0, Math.min(0xffffffff, Math.floor(tsMs / 1000)));
    const header = {
      generation: this.nextGeneration++,
      tier,
      baseSeq: this.seqNext,
      ackedSeq: this.acked,
      baseTsS,
    };
    index.tier[s] = tier;
    index.generation[s] = header.generation;
    index.baseTsS[s] = baseTsS;
    index.writeEnd[s] = SECTOR_HEADER_BYTES;
    index.validEnd[s] = SECTOR_HEADER_BYTES;
    this.lastAllocated = s;
    this.flash.write(s * this.sectorSize, encodeSectorHeader(header));
    return s;
  }

  private openRawHead(tsMs: number): void {
    if (this.head >= 0) this.index.closed[this.head] = 1;
    this.ensureSpace();
    this.head = this.allocate(0, tsMs);
    this.headState.reset();
  }

  private ensureSpace(): void {
    // Each merge moves data up a tier or frees sectors, so this ends; the guard catches a bug, not a state.
    for (let guard = 0; this.index.freeCount() < RESERVE_SECTORS; guard++) {
      if (guard > this.sectors * TIERS.length) throw new Error('record log cannot make room');
      const merged = this.merger.makeRoom({
        head: this.head,
        ackedSeq: this.acked,
        allocate: (tier, tsMs) => this.allocate(tier, tsMs),
      });
      if (!merged) this.dropOldest();
      this.recountPending();
    }
  }

  /** Last resort (the coarsest tier is full too): the oldest unacked sector is erased. */
  private dropOldest(): void {
    const [oldest] = this.index.liveSectorsBySeq((s) => s !== this.head);
    if (oldest === undefined) throw new Error('record log is full and holds nothing it may drop');
    this.counters.recordsDropped += this.index.count[oldest];
    this.index.forget(oldest);
    this.counters.sectorsErased++;
    this.flash.eraseSector(oldest);
    this.index.state[oldest] = FREE_ERASED;
  }

  private recountPending(): void {
    this.pending = this.io.countPending(this.acked);
  }

  private assertOpen(): void {
    if (!this.opened) throw new Error('call RecordLog.open() first');
  }
}
