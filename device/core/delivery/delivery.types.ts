import { SequencedRecord, TelemetryRecord } from '@dinmeter/shared';

/** The flash record log as delivery sees it (implemented by storage/RecordLog). */
export interface TelemetryLog {
  /** Highest seq the backend acknowledged (persistent). */
  readonly ackedSeq: number;
  readonly nextSeq: number;
  readonly pendingCount: number;
  append(record: TelemetryRecord): number;
  /** Records with seq > afterSeq, oldest first, at most max. */
  readFrom(afterSeq: number, max: number): SequencedRecord[];
  ack(uptoSeq: number): void;
}
