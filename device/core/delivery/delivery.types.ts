import { TelemetryMessage } from '@dinmeter/shared';

/** The flash record log as delivery sees it (implemented by storage/RecordLog). */
export interface TelemetryLog {
  /** Highest seq the backend acknowledged (persistent). */
  readonly ackedSeq: number;
  readonly nextSeq: number;
  readonly pendingCount: number;
  append(record: Omit<TelemetryMessage, 'v' | 'seq'>): number;
  /** Records with seq > afterSeq, oldest first, at most max. */
  readFrom(afterSeq: number, max: number): TelemetryMessage[];
  ack(uptoSeq: number): void;
}
