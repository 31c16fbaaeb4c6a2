/**
 * Entries inside one sector (README.md "Flash format"): walking them, sealing and writing them so a
 * cut leaves nothing committed, and decoding the records of a sector. Shared by the record log's
 * boot scan, appends and merges.
 */
import { FlashPartition } from '../ports';
import { ByteWriter, CorruptDataError, readU32, writeU32 } from './byte-io';
import { crc32 } from './crc32';
import {
  align4,
  COMMIT_MAGIC,
  decodeInfoWord,
  encodeInfoWord,
  entryBytes,
  ENTRY_OVERHEAD_BYTES,
  ERASED_WORD,
  EntryType,
  MAX_PAYLOAD_BYTES,
  SECTOR_HEADER_BYTES,
} from './flash-layout';
import { CodecState, decodeRecord, encodeRecord, peekRecordSeq, StoredRecord } from './record-codec';
import { LIVE, SectorIndex } from './sector-index';

const COMMIT_BYTES = new Uint8Array(4);
writeU32(COMMIT_BYTES, 0, COMMIT_MAGIC);

export interface EntryView {
  type: number;
  payloadOffset: number;
  payloadBytes: number;
  end: number;
  committed: boolean;
  crcOk: boolean;
}

/** Counted wherever a committed record fails its CRC or does not decode (bit rot). */
export interface CorruptionCounter {
  corruptRecords: number;
}

/**
 * Walks the entries of one sector image from the header to `limit`. Returns where erased flash starts
 * and how many torn entry headers were stepped over. `visit` returning false stops the walk.
 */
export function walkEntries(
  buf: Uint8Array,
  limit: number,
  visit: (entry: EntryView) => boolean,
): { end: number; tornHeaders: number } {
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

export function isErased(buf: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] !== 0xff) return false;
  return true;
}

/**
 * Completes the entry at `pos` in `buf` whose payload `fill` writes at pos + 4: info word, zero pad, CRC.
 * Returns the entry's size including the commit word (which SectorIo.writeEntry writes separately).
 */
export function sealEntry(
  buf: Uint8Array,
  pos: number,
  type: EntryType,
  payloadBytes: number,
  fill?: (at: number) => void,
): number {
  writeU32(buf, pos, encodeInfoWord(type, payloadBytes));
  fill?.(pos + 4);
  const crcAt = pos + 4 + align4(payloadBytes);
  buf.fill(0, pos + 4 + payloadBytes, crcAt);
  writeU32(buf, crcAt, crc32(buf, pos, crcAt));
  return crcAt + 8 - pos;
}

/** Encodes `record` as an entry at `pos` within `room` bytes; 0 if it does not fit. */
export function encodeEntry(
  buf: Uint8Array,
  pos: number,
  room: number,
  record: StoredRecord,
  state: CodecState,
  baseTsMs: number,
): number {
  const capacity = Math.min(MAX_PAYLOAD_BYTES, Math.floor((room - ENTRY_OVERHEAD_BYTES) / 4) * 4);
  if (capacity <= 0) return 0;
  const writer = new ByteWriter(buf, pos + 4, pos + 4 + capacity);
  encodeRecord(writer, record, state, baseTsMs);
  if (writer.overflowed) return 0;
  return sealEntry(buf, pos, EntryType.record, writer.pos - pos - 4);
}

/** Reads and writes entries of the sectors the index describes. */
export class SectorIo {
  constructor(
    private readonly flash: FlashPartition,
    private readonly index: SectorIndex,
    readonly sectorSize: number,
    private readonly corruption: CorruptionCounter,
  ) {}

  /** Body and CRC in one write, then the commit word: a cut anywhere leaves an entry that is not committed. */
  writeEntry(s: number, buf: Uint8Array, pos: number, size: number): void {
    const { index } = this;
    const at = s * this.sectorSize + index.writeEnd[s];
    // Advance first: whatever happens to this write, these bytes are never programmed again.
    index.writeEnd[s] += size;
    if (index.tier[s] === 0) index.validEnd[s] = index.writeEnd[s];
    this.flash.write(at, buf.subarray(pos, pos + size - 4));
    this.flash.write(at + size - 4, COMMIT_BYTES);
  }

  /** The readable part of sector `s`. */
  readValid(s: number): Uint8Array {
    return this.flash.read(s * this.sectorSize, this.index.validEnd[s]);
  }

  /** Decodes the valid records of sector `s` in order; stops when `visit` returns false or at a corrupt record. */
  forEachRecord(s: number, visit: (record: StoredRecord) => boolean, state: CodecState): void {
    const limit = this.index.validEnd[s];
    const buf = this.readValid(s);
    const baseTsMs = this.index.baseTsS[s] * 1000;
    state.reset();
    walkEntries(buf, limit, (entry) => {
      if (entry.type !== EntryType.record || !entry.committed) return true;
      if (!entry.crcOk) {
        // Later records are stored as differences to this one: the rest of the sector is unreadable.
        this.corruption.corruptRecords++;
        return false;
      }
      let record: StoredRecord;
      try {
        record = decodeRecord(
          buf,
          entry.payloadOffset,
          entry.payloadOffset + entry.payloadBytes,
          state,
          baseTsMs,
        );
      } catch (error) {
        if (!(error instanceof CorruptDataError)) throw error;
        this.corruption.corruptRecords++;
        return false;
      }
      return visit(record);
    });
  }

  /** Records above `ackedSeq` in live sectors (a merged record counts once). */
  countPending(ackedSeq: number): number {
    const { index } = this;
    let pending = 0;
    for (let s = 0; s < index.sectors; s++) {
      if (index.state[s] !== LIVE || index.count[s] === 0 || index.lastSeq[s] <= ackedSeq) continue;
      if (index.firstSeq[s] > ackedSeq) {
        pending += index.count[s];
        continue;
      }
      // The one sector the ack point falls into.
      const buf = this.readValid(s);
      walkEntries(buf, index.validEnd[s], (entry) => {
        if (
          entry.type === EntryType.record &&
          entry.committed &&
          entry.crcOk &&
          peekRecordSeq(buf, entry.payloadOffset) > ackedSeq
        )
          pending++;
        return true;
      });
    }
    return pending;
  }
}
