/**
 * The board's analogue front end and rating (schematics/README.md), and the calibration that
 * follows from it. Hardware facts, no pins.
 */
import { Atm90e26Calibration, CHIP_DEFAULT_CALIBRATION, FrontEnd, plconstFor } from '../drivers/atm90e26/atm90e26.calibration';

export const BOARD_FRONT_END: Readonly<FrontEnd> = Object.freeze({
  pga: 1,
  /** SCT-013-000 (100 A : 50 mA = 0.5 mA/A) into a 12 Ω burden. */
  currentMvPerA: 6,
  /** Resistor divider: 193 mV at 230 V. */
  voltageMvAtVref: 193,
  vrefV: 230,
  meterConstant: 3200,
});

/** IEC 62053-21 rating of a circuit: Ib (basic current) and Imax, direct-connected style 10(60) A. */
export const BOARD_RATING = Object.freeze({ basicCurrentA: 10, maxCurrentA: 60, nominalV: 230 });

/**
 * Nominal calibration for this front end: chip default gains (they read right on the nominal
 * divider and CT), PLconst from ESPHome's formula. A unit's own calibration is applied on top.
 */
export const BOARD_CALIBRATION: Readonly<Atm90e26Calibration> = Object.freeze({
  ...CHIP_DEFAULT_CALIBRATION,
  plconst: plconstFor(BOARD_FRONT_END),
  pga: BOARD_FRONT_END.pga,
  meterConstant: BOARD_FRONT_END.meterConstant,
});

/**
 * The waveform path's front end (schematics/README.md block 3): two ADS131M08 clocked from one
 * 8.192 MHz oscillator on the hot side, OSR 256 → 16 kSPS per channel. The line voltage reaches
 * channel 0 of each chip through its own divider 5 × 240 kΩ + 1.0 kΩ; the CTs' burden voltage
 * (the same 12 Ω burden the ATM90E26 reads) reaches the other channels through 1 kΩ/22 nF
 * anti-alias filters. Gains: voltage 1 (271 mV peak at 230 V of ±1.2 V), current 2 (±600 mV
 * = ±100 A peak, so 60 A rms Imax has 18 % headroom).
 */
export const WAVEFORM_FRONT_END = Object.freeze({
  clockInHz: 8_192_000,
  osr: 256,
  voltageGain: 1,
  currentGain: 2,
  /** (5 × 240 kΩ + 1 kΩ) / 1 kΩ. */
  lineVoltsPerPinVolt: 1201,
  currentMvPerA: BOARD_FRONT_END.currentMvPerA,
});
