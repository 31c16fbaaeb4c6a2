/**
 * The mains supply: 230 V 50 Hz with slow drift and a little noise, plus small voltage
 * harmonics (3rd, 5th) as on a real low-voltage network (EN 50160 allows far more).
 */
import { smoothNoise } from './sim-random';

export interface AcSourceOptions {
  seed?: number;
  nominalV?: number;
  nominalHz?: number;
  /** Fractional amplitude of the slow (hours) voltage drift. */
  driftFraction?: number;
  /** Fractional amplitude of the fast (seconds) voltage noise. */
  noiseFraction?: number;
}

/** Odd harmonic orders modelled, fundamental first. */
export const HARMONIC_ORDERS = Object.freeze([1, 3, 5, 7, 9, 11, 13]);

/** Voltage harmonic magnitudes relative to the fundamental, and their phases (rad). */
const VOLTAGE_HARMONICS = [1, 0.01, 0.015, 0.005, 0.002, 0.002, 0.001];
const VOLTAGE_PHASES = [0, 0.3, 2.1, 1.0, 0.5, 2.5, 1.5];

export interface SupplyPhasors {
  freqHz: number;
  /** Rms magnitude per entry of HARMONIC_ORDERS. */
  readonly magnitude: Float64Array;
  readonly phase: Float64Array;
}

/** What a programmable AC source is set to: a clean sine of this voltage and frequency. */
export interface SupplySetpoint {
  volts: number;
  hz: number;
}

export class AcSource {
  readonly nominalV: number;
  readonly nominalHz: number;
  /** A programmed supply (HIL bench emulation) replaces the grid's drift, noise and harmonics. */
  setpoint?: SupplySetpoint;
  private readonly seed: number;
  private readonly drift: number;
  private readonly noise: number;

  constructor(options: AcSourceOptions = {}) {
    this.seed = options.seed ?? 1;
    this.nominalV = options.nominalV ?? 230;
    this.nominalHz = options.nominalHz ?? 50;
    this.drift = options.driftFraction ?? 0.015;
    this.noise = options.noiseFraction ?? 0.002;
  }

  /** Fills `out` with the supply at time tMs. */
  at(tMs: number, out: SupplyPhasors): void {
    if (this.setpoint) {
      out.freqHz = this.setpoint.hz;
      out.magnitude.fill(0);
      out.phase.fill(0);
      out.magnitude[0] = this.setpoint.volts;
      return;
    }
    const v1 =
      this.nominalV *
      (1 + this.drift * smoothNoise(this.seed, tMs, 3_600_000) + this.noise * smoothNoise(this.seed + 7, tMs, 2_000));
    out.freqHz = this.nominalHz + 0.03 * smoothNoise(this.seed + 13, tMs, 600_000) + 0.005 * smoothNoise(this.seed + 17, tMs, 5_000);
    for (let h = 0; h < HARMONIC_ORDERS.length; h++) {
      out.magnitude[h] = v1 * VOLTAGE_HARMONICS[h];
      out.phase[h] = VOLTAGE_PHASES[h];
    }
  }
}

export function newSupplyPhasors(): SupplyPhasors {
  return { freqHz: 50, magnitude: new Float64Array(HARMONIC_ORDERS.length), phase: new Float64Array(HARMONIC_ORDERS.length) };
}
