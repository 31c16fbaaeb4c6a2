/** The record log's boot scan of one sector image (README.md "Flash format"): fills the index, counts torn writes. */
import { readU32 } from './byte-io';
import { EntryType, SECTOR_HEADER_BYTES } from './flash-layout';
import { peekRecordSeq } from './record-codec';
import { SectorIndex } from './sector-index';
import { CorruptionCounter, isErased, walkEntries } from './sector-io';

/**
 * Fills the index of sector `s` (its header already read) from its image. Returns the entries torn
 * by a power cut and the highest ack point its ACK entries hold.
 */
export function scanSector(
  index: SectorIndex,
  s: number,
  buf: Uint8Array,
  corruption: CorruptionCounter,
): { torn: number; ackedSeq: number } {
  const merged = index.tier[s] > 0;
  let torn = 0;
  let ackedSeq = 0;
  // Merged sectors: records count only once a MERGE_COMMIT follows them.
  let pendingCount = 0;
  let pendingFirst = 0;
  let pendingLast = 0;
  let validEnd = SECTOR_HEADER_BYTES;
  const { end, tornHeaders } = walkEntries(buf, buf.length, (entry) => {
    const valid = entry.committed && entry.crcOk;
    if (!valid) {
      torn++;
      if (entry.committed) corruption.corruptRecords++;
      return true;
    }
    if (entry.type === EntryType.record) {
      const seq = peekRecordSeq(buf, entry.payloadOffset);
      if (!merged) {
        index.noteRecords(s, seq, seq, 1);
      } else {
        if (pendingCount === 0) pendingFirst = seq;
        pendingLast = seq;
        pendingCount++;
      }
    } else if (entry.type === EntryType.ack) {
      ackedSeq = Math.max(ackedSeq, readU32(buf, entry.payloadOffset));
    } else if (entry.type === EntryType.mergeCommit && merged) {
      index.noteMerged(s, readU32(buf, entry.payloadOffset), readU32(buf, entry.payloadOffset + 4));
      if (pendingCount > 0) {
        index.noteRecords(s, pendingFirst, pendingLast, pendingCount);
        pendingCount = 0;
      }
      validEnd = entry.end;
    }
    return true;
  });
  torn += tornHeaders + pendingCount;
  index.writeEnd[s] = end;
  index.validEnd[s] = merged ? validEnd : end;
  // Garbage after the valid entries (an interrupted merge, a cut erase): never write here again.
  if ((merged && validEnd < end) || !isErased(buf, end, buf.length)) index.closed[s] = 1;
  return { torn, ackedSeq };
}

/** A MERGE_COMMIT in a higher tier covers this sector's whole seq range: the merge finished, this is its input. */
export function isSuperseded(index: SectorIndex, s: number, hasHeader: Uint8Array): boolean {
  for (let t = 0; t < index.sectors; t++) {
    if (!hasHeader[t] || index.tier[t] <= index.tier[s] || index.mergedHi[t] === 0) continue;
    if (index.mergedLo[t] <= index.firstSeq[s] && index.lastSeq[s] <= index.mergedHi[t]) return true;
  }
  return false;
}
