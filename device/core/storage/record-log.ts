/**
 * Store-and-forward record log on a raw NOR flash partition (docs/invariants.md invariant 1, README.md here).
 *
 * - Append-only entries, each committed by a word written last: a write torn at any byte is skipped at boot.
 * - Sectors carry a generation, the seq high-water mark and the ack point in their header, so seqs are never
 *   reused and the ack point survives even when every record was acked and erased.
 * - Acked sectors are reclaimed whole (erased lazily when reused). Unacked data is never dropped while it can
 *   still be merged: when space runs out the oldest sectors are merged into coarser records (TIERS) that keep
 *   the energy counters exact and name the seqs they replace (`merged_from_seq`).
 * - RAM is a fixed index per sector plus one sector-sized buffer, whatever the number of records.
 */
import { TelemetryMessage } from '@dinmeter/shared';
import { FlashPartition } from '../ports';
import { ByteWriter, CorruptDataError, readU32, writeU32 } from './byte-io';
import { crc32 } from './crc32';
import {
  align4,
  COMMIT_MAGIC,
  decodeInfoWord,
  decodeSectorHeader,
  encodeInfoWord,
  encodeSectorHeader,
  entryBytes,
  ENTRY_OVERHEAD_BYTES,
  ERASED_WORD,
  EntryType,
  MAX_PAYLOAD_BYTES,
  SECTOR_HEADER_BYTES,
  TIERS,
} from './flash-layout';
import { CodecState, decodeRecord, encodeRecord, peekRecordSeq, StoredRecord } from './record-codec';
import { bucketOf, MergeAccumulator } from './record-merge';

export interface RecordLogOptions {
  flash: FlashPartition;
  /** Circuits per record (1-based circuit numbers up to this). */
  circuits: number;
}

export interface RecordLogOpenResult {
  /** Records held in live sectors (some may already be acked). */
  records: number;
  firstSeq: number | undefined;
  lastSeq: number | undefined;
  /** Entries whose write was torn by a power cut (still on flash until their sector is reclaimed). */
  tornRecordsSkipped: number;
  liveSectors: number;
  freeSectors: number;
}

export interface RecordLogStats {
  bytesUsed: number;
  bytesFree: number;
  sectorsErased: number;
  merges: number;
  /** Average flash bytes per raw record appended since open (entry overhead included). */
  bytesPerRecord: number;
  /** Records folded into coarser ones (their data lives on in the merged record). */
  recordsMerged: number;
  /** Unacked records lost because even the coarsest tier was full (months of outage). */
  recordsDropped: number;
  /** Committed records that failed their CRC when read (bit rot); the rest of such a sector is unreadable. */
  corruptRecords: number;
  /** Live sectors per resolution tier. */
  sectorsPerTier: number[];
}

const FREE_ERASED = 0;
const FREE_DIRTY = 1;
const LIVE = 2;
/** One sector for the next raw head, one for a merge output. */
const RESERVE_SECTORS = 2;
/** Raw records stop this short of the sector end, so one input sector always fits an empty merge output. */
const RECORD_SLACK_BYTES = 256;
/** Bounds the flash work one append can trigger (a merge pass reads at most this many sectors). */
const MAX_MERGE_INPUTS = 8;
const COMMIT_BYTES = new Uint8Array(4);
writeU32(COMMIT_BYTES, 0, COMMIT_MAGIC);

interface EntryView {
  type: number;
  payloadOffset: number;
  payloadBytes: number;
  end: number;
  committed: boolean;
  crcOk: boolean;
}

/**
 * Walks the entries of one sector image from the header to `limit`. Returns where erased flash starts
 * and how many torn entry headers were stepped over. `visit` returning false stops the walk.
 */
function walkEntries(buf: Uint8Array, limit: number, visit: (entry: EntryView) => boolean): { end: number; tornHeaders: number } {
  let pos = SECTOR_HEADER_BYTES;
  let tornHeaders = 0;
  while (pos + 4 <= limit) {
    const word = readU32(buf, pos);
    if (word === ERASED_WORD) break;
    const info = decodeInfoWord(word);
    if (!info) {
      // A torn info word: its write stopped inside this word, so nothing after it was written.
      tornHeaders++;
      pos += 4;
      continue;
    }
    const end = pos + entryBytes(info.payloadBytes);
    if (end > limit) {
      tornHeaders++;
      pos = limit;
      break;
    }
    const crcAt = end - 8;
    const entry: EntryView = {
      type: info.type,
      payloadOffset: pos + 4,
      payloadBytes: info.payloadBytes,
      end,
      committed: readU32(buf, end - 4) === COMMIT_MAGIC,
      crcOk: readU32(buf, crcAt) === crc32(buf, pos, crcAt),
    };
    pos = end;
    if (!visit(entry)) break;
  }
  return { end: pos, tornHeaders };
}

function isErased(buf: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] !== 0xff) return false;
  return true;
}

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

export class RecordLog {
  private readonly flash: FlashPartition;
  private readonly sectors: number;
  private readonly sectorSize: number;

  // The index: O(sectors), never O(records).
  private readonly state: Uint8Array;
  private readonly tier: Uint8Array;
  private readonly generation: Uint32Array;
  private readonly baseTsS: Uint32Array;
  private readonly firstSeq: Uint32Array;
  private readonly lastSeq: Uint32Array;
  private readonly count: Uint32Array;
  /** Next write offset (erased flash from here). */
  private readonly writeEnd: Uint32Array;
  /** End of readable entries: writeEnd for raw sectors, the last MERGE_COMMIT for merged ones. */
  private readonly validEnd: Uint32Array;
  /** Takes no more writes (full, or garbage found after its valid entries). */
  private readonly closed: Uint8Array;
  /** Merged sectors: the seq range of the input sectors their MERGE_COMMITs replaced. */
  private readonly mergedLo: Uint32Array;
  private readonly mergedHi: Uint32Array;

  /** The raw sector appends go to; -1 before the first append. */
  private head = -1;
  private headState: CodecState;
  private spareState: CodecState;
  private readonly readState: CodecState;
  private readonly mergeState: CodecState;
  private readonly trialState: CodecState;
  private readonly savedState: CodecState;
  private readonly accumulator: MergeAccumulator;
  private readonly savedAccumulator: MergeAccumulator;
  /** One entry being built. */
  private readonly entryBuffer: Uint8Array;
  /** Merge output being built. */
  private readonly staging: Uint8Array;

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
      throw new RangeError(`partition of ${flash.byteLength} bytes holds ${this.sectors} sectors of ${flash.sectorSize}; at least 4 are needed`);
    }
    if (!(this.sectorSize % 4 === 0 && this.sectorSize >= 1024)) throw new RangeError(`sector size ${this.sectorSize}`);
    const n = this.sectors;
    this.state = new Uint8Array(n);
    this.tier = new Uint8Array(n);
    this.generation = new Uint32Array(n);
    this.baseTsS = new Uint32Array(n);
    this.firstSeq = new Uint32Array(n);
    this.lastSeq = new Uint32Array(n);
    this.count = new Uint32Array(n);
    this.writeEnd = new Uint32Array(n);
    this.validEnd = new Uint32Array(n);
    this.closed = new Uint8Array(n);
    this.mergedLo = new Uint32Array(n);
    this.mergedHi = new Uint32Array(n);
    this.headState = new CodecState(circuits);
    this.spareState = new CodecState(circuits);
    this.readState = new CodecState(circuits);
    this.mergeState = new CodecState(circuits);
    this.trialState = new CodecState(circuits);
    this.savedState = new CodecState(circuits);
    this.accumulator = new MergeAccumulator(circuits);
    this.savedAccumulator = new MergeAccumulator(circuits);
    this.entryBuffer = new Uint8Array(this.sectorSize);
    this.staging = new Uint8Array(this.sectorSize);
  }

  /** Scans flash, skips torn writes, finishes or discards an interrupted merge. Call once at boot. */
  open(): RecordLogOpenResult {
    if (this.opened) throw new Error('RecordLog.open() was already called');
    const n = this.sectors;
    const S = this.sectorSize;
    let torn = 0;
    let maxGeneration = 0;
    let maxBaseSeq = 0;
    let maxSeq = 0;
    const hasHeader = new Uint8Array(n);
    for (let s = 0; s < n; s++) {
      this.forget(s);
      const buf = this.flash.read(s * S, S);
      const header = decodeSectorHeader(buf);
      if (!header) {
        this.state[s] = isErased(buf, 0, S) ? FREE_ERASED : FREE_DIRTY;
        continue;
      }
      hasHeader[s] = 1;
      this.tier[s] = header.tier;
      this.generation[s] = header.generation;
      this.baseTsS[s] = header.baseTsS;
      if (header.generation >= maxGeneration) {
        maxGeneration = header.generation;
        this.lastAllocated = s;
      }
      maxBaseSeq = Math.max(maxBaseSeq, header.baseSeq);
      this.acked = Math.max(this.acked, header.ackedSeq);
      torn += this.scanSector(s, buf);
      maxSeq = Math.max(maxSeq, this.lastSeq[s]);
      if (header.tier === 0 && (this.head < 0 || header.generation > this.generation[this.head])) this.head = s;
    }
    this.nextGeneration = maxGeneration + 1;
    this.seqNext = Math.max(1, maxBaseSeq, maxSeq + 1);
    if (this.acked >= this.seqNext) this.acked = this.seqNext - 1;

    for (let s = 0; s < n; s++) {
      if (!hasHeader[s]) continue;
      const live = s === this.head || (this.count[s] > 0 && this.lastSeq[s] > this.acked && !this.isSuperseded(s, hasHeader));
      this.state[s] = live ? LIVE : FREE_DIRTY;
    }
    if (this.head >= 0) {
      this.headState.reset();
      this.forEachRecord(this.head, (record) => {
        this.lastTsMs = record.ts;
        return true;
      }, this.headState);
      if (this.lastTsMs === 0) this.lastTsMs = this.baseTsS[this.head] * 1000;
    }
    this.opened = true;
    this.recountPending();

    let records = 0;
    let first: number | undefined;
    let last: number | undefined;
    let live = 0;
    for (let s = 0; s < n; s++) {
      if (this.state[s] !== LIVE) continue;
      live++;
      if (this.count[s] === 0) continue;
      records += this.count[s];
      if (first === undefined || this.firstSeq[s] < first) first = this.firstSeq[s];
      if (last === undefined || this.lastSeq[s] > last) last = this.lastSeq[s];
    }
    return { records, firstSeq: first, lastSeq: last, tornRecordsSkipped: torn, liveSectors: live, freeSectors: n - live };
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
    const stored: StoredRecord = { v: 1, seq, ts: record.ts, interval_s: record.interval_s, circuits: record.circuits };
    let size = this.encodeHeadEntry(stored);
    if (size === 0) {
      this.openRawHead(record.ts);
      size = this.encodeHeadEntry(stored);
      if (size === 0) throw new RangeError(`record ${seq} does not fit in a ${this.sectorSize}-byte sector`);
    }
    const s = this.head;
    this.writeEntry(s, this.entryBuffer, 0, size);
    const state = this.headState;
    this.headState = this.spareState;
    this.spareState = state;
    if (this.count[s] === 0) this.firstSeq[s] = seq;
    this.lastSeq[s] = seq;
    this.count[s]++;
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
    for (const s of this.liveSectorsBySeq((s) => this.lastSeq[s] > afterSeq)) {
      this.forEachRecord(s, (record) => {
        if (record.seq > afterSeq) out.push({ ...record, acked_seq: this.acked });
        return out.length < max;
      });
      if (out.length >= max) break;
    }
    return out;
  }

  /** The newest record still on flash, acked or not (energy counters restore from it). */
  latest(): StoredRecord | undefined {
    this.assertOpen();
    let best = -1;
    for (let s = 0; s < this.sectors; s++) {
      if (this.count[s] > 0 && (best < 0 || this.lastSeq[s] > this.lastSeq[best])) best = s;
    }
    if (best < 0) return undefined;
    let last: StoredRecord | undefined;
    this.forEachRecord(best, (record) => {
      last = record;
      return true;
    });
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
    if (uptoSeq >= this.seqNext) throw new RangeError(`ack ${uptoSeq} is beyond the last seq ${this.seqNext - 1}`);
    this.acked = uptoSeq;
    // Freed first, so a merge the new head may need never picks acked sectors. Should the ack not reach
    // flash, nothing is lost: these records were stored by the backend, the rest is resent.
    for (let s = 0; s < this.sectors; s++) {
      if (this.state[s] === LIVE && s !== this.head && this.lastSeq[s] <= this.acked) this.state[s] = FREE_DIRTY;
    }
    const size = this.sealEntry(this.entryBuffer, 0, EntryType.ack, 4, (at) => writeU32(this.entryBuffer, at, uptoSeq));
    if (this.head >= 0 && !this.closed[this.head] && this.writeEnd[this.head] + size <= this.sectorSize) {
      this.writeEntry(this.head, this.entryBuffer, 0, size);
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
      if (this.state[s] !== LIVE) continue;
      bytesUsed += this.writeEnd[s];
      records += this.count[s];
      sectorsPerTier[this.tier[s]]++;
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

  // ---- boot scan -----------------------------------------------------------------------------

  /** Fills the index of sector `s` from its image; returns the number of torn entries. */
  private scanSector(s: number, buf: Uint8Array): number {
    const merged = this.tier[s] > 0;
    let torn = 0;
    // Merged sectors: records count only once a MERGE_COMMIT follows them.
    let pendingCount = 0;
    let pendingFirst = 0;
    let pendingLast = 0;
    let validEnd = SECTOR_HEADER_BYTES;
    const { end, tornHeaders } = walkEntries(buf, this.sectorSize, (entry) => {
      const valid = entry.committed && entry.crcOk;
      if (!valid) {
        torn++;
        if (entry.committed) this.counters.corruptRecords++;
        return true;
      }
      if (entry.type === EntryType.record) {
        const seq = peekRecordSeq(buf, entry.payloadOffset);
        if (!merged) {
          if (this.count[s] === 0) this.firstSeq[s] = seq;
          this.lastSeq[s] = seq;
          this.count[s]++;
        } else {
          if (pendingCount === 0) pendingFirst = seq;
          pendingLast = seq;
          pendingCount++;
        }
      } else if (entry.type === EntryType.ack) {
        this.acked = Math.max(this.acked, readU32(buf, entry.payloadOffset));
      } else if (entry.type === EntryType.mergeCommit && merged) {
        const lo = readU32(buf, entry.payloadOffset);
        const hi = readU32(buf, entry.payloadOffset + 4);
        this.mergedLo[s] = this.mergedHi[s] === 0 ? lo : Math.min(this.mergedLo[s], lo);
        this.mergedHi[s] = Math.max(this.mergedHi[s], hi);
        if (pendingCount > 0) {
          if (this.count[s] === 0) this.firstSeq[s] = pendingFirst;
          this.lastSeq[s] = pendingLast;
          this.count[s] += pendingCount;
          pendingCount = 0;
        }
        validEnd = entry.end;
      }
      return true;
    });
    torn += tornHeaders + pendingCount;
    this.writeEnd[s] = end;
    this.validEnd[s] = merged ? validEnd : end;
    // Garbage after the valid entries (an interrupted merge, a cut erase): never write here again.
    if ((merged && validEnd < end) || !isErased(buf, end, this.sectorSize)) this.closed[s] = 1;
    return torn;
  }

  /** A MERGE_COMMIT in a higher tier covers this sector's whole seq range: the merge finished, this is its input. */
  private isSuperseded(s: number, hasHeader: Uint8Array): boolean {
    for (let t = 0; t < this.sectors; t++) {
      if (!hasHeader[t] || this.tier[t] <= this.tier[s] || this.mergedHi[t] === 0) continue;
      if (this.mergedLo[t] <= this.firstSeq[s] && this.lastSeq[s] <= this.mergedHi[t]) return true;
    }
    return false;
  }

  // ---- entries -------------------------------------------------------------------------------

  /**
   * Completes the entry at `pos` in `buf` whose payload `fill` writes at pos + 4: info word, zero pad, CRC.
   * Returns the entry's size including the commit word (which writeEntry writes separately).
   */
  private sealEntry(buf: Uint8Array, pos: number, type: EntryType, payloadBytes: number, fill?: (at: number) => void): number {
    writeU32(buf, pos, encodeInfoWord(type, payloadBytes));
    fill?.(pos + 4);
    const crcAt = pos + 4 + align4(payloadBytes);
    buf.fill(0, pos + 4 + payloadBytes, crcAt);
    writeU32(buf, crcAt, crc32(buf, pos, crcAt));
    return crcAt + 8 - pos;
  }

  /** Body and CRC in one write, then the commit word: a cut anywhere leaves an entry that is not committed. */
  private writeEntry(s: number, buf: Uint8Array, pos: number, size: number): void {
    const at = s * this.sectorSize + this.writeEnd[s];
    // Advance first: whatever happens to this write, these bytes are never programmed again.
    this.writeEnd[s] += size;
    if (this.tier[s] === 0) this.validEnd[s] = this.writeEnd[s];
    this.flash.write(at, buf.subarray(pos, pos + size - 4));
    this.flash.write(at + size - 4, COMMIT_BYTES);
  }

  /** Encodes `record` for the head sector into entryBuffer (chain state in spareState); 0 if it does not fit. */
  private encodeHeadEntry(record: StoredRecord): number {
    const s = this.head;
    if (s < 0 || this.closed[s]) return 0;
    const room = this.sectorSize - RECORD_SLACK_BYTES - this.writeEnd[s];
    this.spareState.copyFrom(this.headState);
    return this.encodeEntry(this.entryBuffer, 0, room, record, this.spareState, this.baseTsS[s] * 1000);
  }

  private encodeEntry(buf: Uint8Array, pos: number, room: number, record: StoredRecord, state: CodecState, baseTsMs: number): number {
    const capacity = Math.min(MAX_PAYLOAD_BYTES, Math.floor((room - ENTRY_OVERHEAD_BYTES) / 4) * 4);
    if (capacity <= 0) return 0;
    const writer = new ByteWriter(buf, pos + 4, pos + 4 + capacity);
    encodeRecord(writer, record, state, baseTsMs);
    if (writer.overflowed) return 0;
    return this.sealEntry(buf, pos, EntryType.record, writer.pos - pos - 4);
  }

  /** Decodes the valid records of sector `s` in order; stops when `visit` returns false or at a corrupt record. */
  private forEachRecord(s: number, visit: (record: StoredRecord) => boolean, state = this.readState): void {
    const limit = this.validEnd[s];
    const buf = this.flash.read(s * this.sectorSize, limit);
    const baseTsMs = this.baseTsS[s] * 1000;
    state.reset();
    walkEntries(buf, limit, (entry) => {
      if (entry.type !== EntryType.record || !entry.committed) return true;
      if (!entry.crcOk) {
        // Later records are stored as differences to this one: the rest of the sector is unreadable.
        this.counters.corruptRecords++;
        return false;
      }
      let record: StoredRecord;
      try {
        record = decodeRecord(buf, entry.payloadOffset, entry.payloadOffset + entry.payloadBytes, state, baseTsMs);
      } catch (error) {
        if (!(error instanceof CorruptDataError)) throw error;
        this.counters.corruptRecords++;
        return false;
      }
      return visit(record);
    });
  }

  // ---- sectors -------------------------------------------------------------------------------

  private forget(s: number): void {
    this.state[s] = FREE_DIRTY;
    this.tier[s] = 0;
    this.generation[s] = 0;
    this.baseTsS[s] = 0;
    this.firstSeq[s] = 0;
    this.lastSeq[s] = 0;
    this.count[s] = 0;
    this.writeEnd[s] = 0;
    this.validEnd[s] = 0;
    this.closed[s] = 0;
    this.mergedLo[s] = 0;
    this.mergedHi[s] = 0;
  }

  private freeCount(): number {
    let free = 0;
    for (let s = 0; s < this.sectors; s++) if (this.state[s] !== LIVE) free++;
    return free;
  }

  /** Erases (if needed) the next free sector in ring order, for even wear, and writes its header. */
  private allocate(tier: number, tsMs: number): number {
    let s = -1;
    for (let i = 1; i <= this.sectors; i++) {
      const candidate = (this.lastAllocated + i) % this.sectors;
      if (this.state[candidate] !== LIVE) {
        s = candidate;
        break;
      }
    }
    if (s < 0) throw new Error('record log has no free sector');
    const dirty = this.state[s] === FREE_DIRTY;
    this.forget(s);
    this.state[s] = LIVE;
    if (dirty) {
      this.counters.sectorsErased++;
      this.flash.eraseSector(s);
    }
    const baseTsS = Math.max(0, Math.min(0xffffffff, Math.floor(tsMs / 1000)));
    const header = { generation: this.nextGeneration++, tier, baseSeq: this.seqNext, ackedSeq: this.acked, baseTsS };
    this.tier[s] = tier;
    this.generation[s] = header.generation;
    this.baseTsS[s] = baseTsS;
    this.writeEnd[s] = SECTOR_HEADER_BYTES;
    this.validEnd[s] = SECTOR_HEADER_BYTES;
    this.lastAllocated = s;
    this.flash.write(s * this.sectorSize, encodeSectorHeader(header));
    return s;
  }

  private openRawHead(tsMs: number): void {
    if (this.head >= 0) this.closed[this.head] = 1;
    this.ensureSpace();
    this.head = this.allocate(0, tsMs);
    this.headState.reset();
  }

  private ensureSpace(): void {
    // Each merge moves data up a tier or frees sectors, so this ends; the guard catches a bug, not a state.
    for (let guard = 0; this.freeCount() < RESERVE_SECTORS; guard++) {
      if (guard > this.sectors * TIERS.length) throw new Error('record log cannot make room');
      this.makeRoom();
    }
  }

  /** Merges the tier furthest over its quota; else degrades the oldest data first; drops only as a last resort. */
  private makeRoom(): void {
    const counts = TIERS.map(() => 0);
    for (let s = 0; s < this.sectors; s++) {
      if (this.isMergeable(s)) counts[this.tier[s]]++;
    }
    const usable = this.sectors - 1 - RESERVE_SECTORS;
    const top = TIERS.length - 1;
    // Over-quota tiers, largest excess first (a tie goes to the coarser tier: it frees more per pass).
    const excess = counts.map((count, tier) => (tier < top ? count - Math.floor(usable * TIERS[tier].quota) : 0));
    const overQuota = excess.map((_, tier) => tier).filter((tier) => excess[tier] > 0);
    overQuota.sort((a, b) => excess[b] - excess[a] || b - a);
    for (const tier of overQuota) {
      if (this.mergeTier(tier)) return;
    }
    for (let tier = top - 1; tier >= 0; tier--) {
      if (counts[tier] > 0 && this.mergeTier(tier)) return;
    }
    this.dropOldest();
  }

  private isMergeable(s: number): boolean {
    return this.state[s] === LIVE && s !== this.head && this.count[s] > 0;
  }

  /** Live sectors holding records, in seq order (seq ranges of live sectors never overlap). */
  private liveSectorsBySeq(filter: (s: number) => boolean): number[] {
    const list: number[] = [];
    for (let s = 0; s < this.sectors; s++) {
      if (this.state[s] === LIVE && this.count[s] > 0 && filter(s)) list.push(s);
    }
    return list.sort((a, b) => this.firstSeq[a] - this.firstSeq[b]);
  }

  // ---- merging -------------------------------------------------------------------------------

  /**
   * Merges the oldest sectors of `tier` into records of the next tier, appended to
   * that tier's open sector (or a new one), then a MERGE_COMMIT naming the input seq range. Only after the
   * commit are the inputs free: a cut before it leaves the inputs valid and the partial output ignored.
   */
  private mergeTier(tier: number): boolean {
    // As many inputs as fit one pass: a pass that ends inside a bucket splits it into two records.
    const inputs = this.liveSectorsBySeq((s) => s !== this.head && this.tier[s] === tier).slice(0, MAX_MERGE_INPUTS);
    if (inputs.length === 0) return false;
    const outTier = tier + 1;
    let out = -1;
    for (let s = 0; s < this.sectors; s++) {
      if (this.state[s] === LIVE && this.tier[s] === outTier && !this.closed[s] && (out < 0 || this.generation[s] > this.generation[out])) out = s;
    }
    let plan: MergePlan | undefined;
    if (out >= 0) {
      this.forEachRecord(out, () => true, this.mergeState);
      plan = this.stageMerge(inputs, outTier, this.baseTsS[out] * 1000, this.sectorSize - RECORD_SLACK_BYTES - this.writeEnd[out]);
      if (plan.consumed === 0) {
        this.closed[out] = 1;
        out = -1;
      }
    }
    let newBaseTsMs = 0;
    if (out < 0) {
      if (this.freeCount() === 0) return false;
      newBaseTsMs = this.baseTsS[inputs[0]] * 1000;
      this.mergeState.reset();
      plan = this.stageMerge(inputs, outTier, newBaseTsMs, this.sectorSize - SECTOR_HEADER_BYTES);
      if (plan.consumed === 0) return false;
      out = this.allocate(outTier, newBaseTsMs);
    }
    const p = plan!;
    let start = 0;
    for (const end of p.entryEnds) {
      this.writeEntry(out, this.staging, start, end - start);
      start = end;
    }
    let lo = 0xffffffff;
    let hi = 0;
    for (let i = 0; i < p.consumed; i++) {
      lo = Math.min(lo, this.firstSeq[inputs[i]]);
      hi = Math.max(hi, this.lastSeq[inputs[i]]);
    }
    const size = this.sealEntry(this.entryBuffer, 0, EntryType.mergeCommit, 8, (at) => {
      writeU32(this.entryBuffer, at, lo);
      writeU32(this.entryBuffer, at + 4, hi);
    });
    this.writeEntry(out, this.entryBuffer, 0, size);
    this.validEnd[out] = this.writeEnd[out];
    if (p.outputs > 0) {
      if (this.count[out] === 0) this.firstSeq[out] = p.firstOutputSeq;
      this.lastSeq[out] = p.lastOutputSeq;
      this.count[out] += p.outputs;
    }
    this.mergedLo[out] = this.mergedHi[out] === 0 ? lo : Math.min(this.mergedLo[out], lo);
    this.mergedHi[out] = Math.max(this.mergedHi[out], hi);
    for (let i = 0; i < p.consumed; i++) this.state[inputs[i]] = FREE_DIRTY;
    this.counters.merges++;
    this.counters.recordsMerged += p.inputRecords - p.outputs;
    this.recountPending();
    return true;
  }

  /**
   * Builds merged entries in `staging` (chain state in mergeState) for as many whole input sectors as fit in
   * `room`, keeping space for the MERGE_COMMIT. Buckets run on across input sectors.
   */
  private stageMerge(inputs: number[], outTier: number, baseTsMs: number, room: number): MergePlan {
    const bucketS = TIERS[outTier].bucketS;
    const acc = this.accumulator;
    const state = this.mergeState;
    const limit = room - entryBytes(8);
    const plan: MergePlan = { consumed: 0, stagedBytes: 0, entryEnds: [], outputs: 0, inputRecords: 0, firstOutputSeq: 0, lastOutputSeq: 0 };
    acc.reset();
    const flush = (): boolean => {
      const record = acc.result();
      const size = this.encodeEntry(this.staging, plan.stagedBytes, limit - plan.stagedBytes, record, state, baseTsMs);
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
      const saved = { stagedBytes: plan.stagedBytes, entries: plan.entryEnds.length, outputs: plan.outputs, first: plan.firstOutputSeq, last: plan.lastOutputSeq };
      this.savedState.copyFrom(state);
      this.savedAccumulator.copyFrom(acc);
      let ok = true;
      let records = 0;
      this.forEachRecord(s, (record) => {
        records++;
        if (record.seq <= this.acked) return true;
        const bucket = bucketOf(record.ts, bucketS);
        if (acc.count > 0 && bucket !== acc.bucket) ok = flush();
        if (ok) acc.add(record, bucket);
        return ok;
      });
      if (ok && acc.count > 0) {
        // The open bucket must fit too, in case no further input follows.
        this.trialState.copyFrom(state);
        ok = this.encodeEntry(this.staging, plan.stagedBytes, limit - plan.stagedBytes, acc.result(), this.trialState, baseTsMs) > 0;
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

  /** Last resort (the coarsest tier is full too): the oldest unacked sector is erased. */
  private dropOldest(): void {
    const [oldest] = this.liveSectorsBySeq((s) => s !== this.head);
    if (oldest === undefined) throw new Error('record log is full and holds nothing it may drop');
    this.counters.recordsDropped += this.count[oldest];
    this.forget(oldest);
    this.counters.sectorsErased++;
    this.flash.eraseSector(oldest);
    this.state[oldest] = FREE_ERASED;
    this.recountPending();
  }

  private recountPending(): void {
    let pending = 0;
    for (let s = 0; s < this.sectors; s++) {
      if (this.state[s] !== LIVE || this.count[s] === 0 || this.lastSeq[s] <= this.acked) continue;
      if (this.firstSeq[s] > this.acked) {
        pending += this.count[s];
        continue;
      }
      // The one sector the ack point falls into.
      const buf = this.flash.read(s * this.sectorSize, this.validEnd[s]);
      walkEntries(buf, this.validEnd[s], (entry) => {
        if (entry.type === EntryType.record && entry.committed && entry.crcOk && peekRecordSeq(buf, entry.payloadOffset) > this.acked) pending++;
        return true;
      });
    }
    this.pending = pending;
  }

  private assertOpen(): void {
    if (!this.opened) throw new Error('call RecordLog.open() first');
  }
}
