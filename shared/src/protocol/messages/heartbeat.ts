/** The backend's `heartbeat`: meters switch to their failsafe when it stops (docs/relay-safety.md). */
import { num, obj, optional, Schema, str } from '../schema';
import { PROTOCOL_VERSION, timestampMs, version } from './fields';

export interface HeartbeatMessage {
  v: typeof PROTOCOL_VERSION;
  ts: number;
  /** Seconds between heartbeats, so devices can judge loss. */
  interval_s: number;
  instance?: string;
}
export const heartbeatSchema: Schema<HeartbeatMessage> = obj({
  v: version,
  ts: timestampMs,
  interval_s: num({ min: 0.1, max: 3600 }),
  instance: optional(str({ maxLength: 64 })),
});
