import { FlashPartition } from '../ports';

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
