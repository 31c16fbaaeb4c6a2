/** The backend's relay `plan` for a meter (docs/automation.md). */
import { CIRCUIT_COUNT } from '../metrics';
import { arr, obj, refine, Schema } from '../schema';
import { circuitNumber, issuedSeq, PROTOCOL_VERSION, repeatedCircuit, timestampMs, version } from './fields';

export interface PlanInterval {
  start: number;
  end: number;
}
export interface CircuitPlan {
  circuit: number;
  /** The relay is on inside these intervals and off outside them, until valid_until. */
  on: PlanInterval[];
  /** After this instant the circuit falls back to its failsafe. */
  valid_until: number;
}
export interface PlanMessage {
  v: typeof PROTOCOL_VERSION;
  /** Increases with every plan the backend issues for this device. */
  version: number;
  issued: number;
  circuits: CircuitPlan[];
}
const interval = refine(obj({ start: timestampMs, end: timestampMs }), (i) =>
  i.end > i.start ? undefined : `end ${i.end} must be after start ${i.start}`,
);
export const planSchema: Schema<PlanMessage> = refine(
  obj({
    v: version,
    version: issuedSeq,
    issued: timestampMs,
    circuits: arr(
      refine(obj({ circuit: circuitNumber, on: arr(interval, { maxItems: 96 }), valid_until: timestampMs }), (c) => {
        for (let k = 1; k < c.on.length; k++) {
          if (c.on[k].start < c.on[k - 1].end) return `intervals of circuit ${c.circuit} must be sorted and not overlap`;
        }
        return undefined;
      }),
      { maxItems: CIRCUIT_COUNT },
    ),
  }),
  (p) => repeatedCircuit(p.circuits),
) as Schema<PlanMessage>;
