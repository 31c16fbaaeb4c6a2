/** Alerts, backend → integrations: what the anomaly detection flags (docs/anomalies.md). */
import { literal, num, obj, optional, refine, Schema, str } from '../schema';
import { circuitNumber, commandId, PROTOCOL_VERSION, timestampMs, version } from './fields';

/** What the backend's anomaly detection flags (docs/anomalies.md). */
export const ALERT_KINDS = ['long_runs', 'frequent_runs', 'high_power', 'high_energy', 'never_stops', 'standby_creep', 'missing'] as const;
export type AlertKindName = (typeof ALERT_KINDS)[number];

export interface AlertMessage {
  v: typeof PROTOCOL_VERSION;
  /** Unique per alert (device, circuit, kind, time). */
  id: string;
  /** When the backend raised it. */
  ts: number;
  circuit: number;
  kind: AlertKindName;
  /** ≥ the configured threshold (default 4): a robust z-score or its equivalent. */
  score: number;
  /** The time range the evidence covers. */
  start: number;
  end: number;
  message: string;
  /** The appliance (a1, a2 …) and the name a user gave it; absent for circuit-wide alerts. */
  appliance?: string;
  appliance_name?: string;
  evidence: { metric: string; baseline: number; now: number; limit: number };
}
export const alertSchema: Schema<AlertMessage> = refine(
  obj({
    v: version,
    id: commandId,
    ts: timestampMs,
    circuit: circuitNumber,
    kind: literal(...ALERT_KINDS),
    score: num({ min: 0, max: 1e6 }),
    start: timestampMs,
    end: timestampMs,
    message: str({ maxLength: 300 }),
    appliance: optional(str({ pattern: /^a[0-9]{1,6}$/, maxLength: 8 })),
    appliance_name: optional(str({ minLength: 1, maxLength: 64 })),
    evidence: obj({ metric: str({ pattern: /^[a-z_]{1,32}$/ }), baseline: num(), now: num(), limit: num() }),
  }),
  (a) => (a.end >= a.start ? undefined : `end ${a.end} must not be before start ${a.start}`),
) as Schema<AlertMessage>;
