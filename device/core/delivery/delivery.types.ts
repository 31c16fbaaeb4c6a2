import { SequencedRecord, TelemetryRecord } from '@dinmeter/shared';

/**
 * A persistent log delivery replays from: entries get seq 1, 2, 3 … and stay until acknowledged.
 * Implemented by storage/RecordLog (telemetry) and events/EventLog (events).
 */
export interface SequencedLog<In, Out extends { seq: number; merged_from_seq?: number }> {
  /** Highest seq the backend acknowledged (persistent). */
  readonly ackedSeq: number;
  readonly nextSeq: number;
  readonly pendingCount: number;
  append(entry: In): number;
  /** Entries with seq > afterSeq, oldest first, at most max. */
  readFrom(afterSeq: number, max: number): Out[];
  ack(uptoSeq: number): void;
}

/** The flash record log as delivery sees it (implemented by storage/RecordLog). */
export type TelemetryLog = SequencedLog<TelemetryRecord, SequencedRecord>;
