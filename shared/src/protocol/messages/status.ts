/** The meter's retained `status`: online, firmware, chip health, shortest failsafe, OTA (docs/protocol.md). */
import { CIRCUIT_COUNT } from '../metrics';
import { arr, bool, int, literal, obj, optional, Schema, str } from '../schema';
import { MAX_FAILSAFE_AFTER_S } from './circuit-config';
import { circuitNumber, PROTOCOL_VERSION, shortText, timestampMs, version } from './fields';
import { OtaStatus, otaStatusSchema } from './ota';

export type ChipHealth = 'ok' | 'warning' | 'failed';
export interface CircuitHealth {
  circuit: number;
  state: ChipHealth;
  fault?: string;
}

export interface StatusMessage {
  v: typeof PROTOCOL_VERSION;
  online: boolean;
  firmware?: string;
  boot_id?: string;
  boot_ts?: number;
  ts?: number;
  circuits?: number;
  health?: CircuitHealth[];
  /**
   * The shortest failsafe.afterSeconds configured on this meter, published again when it changes:
   * every backend instance heartbeats often enough for it, also one that did not configure it.
   */
  failsafe_min_s?: number;
  /** The firmware update in progress or last finished (docs/ota.md). */
  ota?: OtaStatus;
}

export const statusSchema: Schema<StatusMessage> = obj({
  v: version,
  online: bool(),
  firmware: optional(shortText),
  boot_id: optional(str({ maxLength: 64 })),
  boot_ts: optional(timestampMs),
  ts: optional(timestampMs),
  circuits: optional(int({ min: 1, max: CIRCUIT_COUNT })),
  health: optional(
    arr(obj({ circuit: circuitNumber, state: literal('ok', 'warning', 'failed'), fault: optional(shortText) }), {
      maxItems: CIRCUIT_COUNT,
    }),
  ),
  failsafe_min_s: optional(int({ min: 1, max: MAX_FAILSAFE_AFTER_S })),
  ota: optional(otaStatusSchema),
});
