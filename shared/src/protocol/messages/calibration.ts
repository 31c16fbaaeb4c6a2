/** A circuit's metering calibration, the payload of a `calibrate` command (docs/hardware.md). */
import { bool, int, literal, num, obj, optional, Schema } from '../schema';

export interface CalibrationParams {
  /** ATM90E26 metering calibration (register values) and CT ratio; see device/drivers/atm90e26. */
  plconst?: number;
  lgain?: number;
  lphi?: number;
  ugain?: number;
  igainL?: number;
  uoffset?: number;
  ioffsetL?: number;
  poffsetL?: number;
  qoffsetL?: number;
  pga?: 1 | 4 | 8 | 16 | 24;
  ctRatio?: number;
  meterConstant?: number;
  /** The CT is clamped the wrong way round: the firmware negates P, Q and PF and swaps import and export energy. */
  ctReversed?: boolean;
}
const u16 = int({ min: 0, max: 0xffff });
export const calibrationSchema: Schema<CalibrationParams> = obj({
  plconst: optional(int({ min: 1, max: 0xffffffff })),
  lgain: optional(u16),
  lphi: optional(u16),
  ugain: optional(u16),
  igainL: optional(u16),
  uoffset: optional(u16),
  ioffsetL: optional(u16),
  poffsetL: optional(u16),
  qoffsetL: optional(u16),
  pga: optional(literal(1, 4, 8, 16, 24)),
  ctRatio: optional(num({ min: 0.001, max: 100000 })),
  meterConstant: optional(num({ min: 1, max: 1e6 })),
  ctReversed: optional(bool()),
});
