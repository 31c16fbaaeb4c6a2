/**
 * On-flash format of the record log (see README.md for the picture). Everything is 4-byte words
 * written once after an erase: NOR flash only clears bits, so a word goes 0xFFFFFFFF → value once.
 */
import { crc32 } from './crc32';
import { readU32, writeU32 } from './byte-io';

export const ERASED_WORD = 0xffffffff;
/** "DMRL" little-endian. */
export const SECTOR_MAGIC = 0x4c524d44;
export const FORMAT_VERSION = 1;
/** Written last, in its own write, after an entry's body: until it reads back exactly, the entry does not exist. */
export const COMMIT_MAGIC = 0x5a17c0de;

/** Sector header: magic, generation, tier|version, baseSeq, ackedSeq, baseTs (s), crc, reserved. */
export const SECTOR_HEADER_BYTES = 32;
const HEADER_CRC_WORD = 6;

export interface SectorHeader {
  /** Increases by one for every sector opened, over the life of the partition: orders sectors, finds the newest. */
  generation: number;
  /** 0 = raw records, 1.. = merged tiers (TIERS). */
  tier: number;
  /** nextSeq when the sector was opened: the seq high-water mark survives a fully acked, erased log. */
  baseSeq: number;
  /** ackedSeq when the sector was opened: the ack point survives the sector that held the last ACK entry. */
  ackedSeq: number;
  /** Seconds; record timestamps are stored as deltas against it. */
  baseTsS: number;
}

export function encodeSectorHeader(header: SectorHeader): Uint8Array {
  const bytes = new Uint8Array(HEADER_CRC_WORD * 4 + 4);
  writeU32(bytes, 0, SECTOR_MAGIC);
  writeU32(bytes, 4, header.generation);
  writeU32(bytes, 8, header.tier | (FORMAT_VERSION << 8));
  writeU32(bytes, 12, header.baseSeq);
  writeU32(bytes, 16, header.ackedSeq);
  writeU32(bytes, 20, header.baseTsS);
  writeU32(bytes, 24, crc32(bytes, 0, 24));
  return bytes;
}

/** undefined for an erased, torn or foreign header. */
export function decodeSectorHeader(bytes: Uint8Array, offset = 0): SectorHeader | undefined {
  if (readU32(bytes, offset) !== SECTOR_MAGIC) return undefined;
  if (readU32(bytes, offset + 24) !== crc32(bytes, offset, offset + 24)) return undefined;
  const tierVersion = readU32(bytes, offset + 8);
  if (tierVersion >>> 8 !== FORMAT_VERSION) return undefined;
  return {
    generation: readU32(bytes, offset + 4),
    tier: tierVersion & 0xff,
    baseSeq: readU32(bytes, offset + 12),
    ackedSeq: readU32(bytes, offset + 16),
    baseTsS: readU32(bytes, offset + 20),
  };
}

/**
 * Entry: info word | payload, zero-padded to a word | CRC-32 of both | commit word.
 * The info word is a 16-bit (type << 13 | payload length) and its complement, so a header torn at any
 * byte or bit never passes for a real one and a scan never trusts a garbage length.
 */
export const EntryType = { record: 1, ack: 2, mergeCommit: 3 } as const;
export type EntryType = (typeof EntryType)[keyof typeof EntryType];
export const MAX_PAYLOAD_BYTES = 0x1fff;
export const ENTRY_OVERHEAD_BYTES = 12;

export function align4(n: number): number {
  return (n + 3) & ~3;
}

export function entryBytes(payloadBytes: number): number {
  return ENTRY_OVERHEAD_BYTES + align4(payloadBytes);
}

export function encodeInfoWord(type: EntryType, payloadBytes: number): number {
  if (!(payloadBytes >= 0 && payloadBytes <= MAX_PAYLOAD_BYTES)) throw new RangeError(`entry payload of ${payloadBytes} bytes`);
  const info = (type << 13) | payloadBytes;
  return (info | ((~info & 0xffff) << 16)) >>> 0;
}

export function decodeInfoWord(word: number): { type: number; payloadBytes: number } | undefined {
  const info = word & 0xffff;
  if (word >>> 16 !== (~info & 0xffff)) return undefined;
  return { type: info >>> 13, payloadBytes: info & MAX_PAYLOAD_BYTES };
}

/** Resolution tiers. A merge turns the oldest sectors of tier L into tier L+1 records, one per bucket. */
export const TIERS: readonly { readonly bucketS: number; readonly quota: number }[] = [
  { bucketS: 0, quota: 0.4 }, // raw records as appended (10 s)
  { bucketS: 60, quota: 0.35 },
  { bucketS: 900, quota: 0.15 },
  { bucketS: 3600, quota: 0.06 },
  { bucketS: 86400, quota: 1 }, // top tier takes the rest; only when it is full is the oldest sector dropped
];
