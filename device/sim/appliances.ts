/**
 * Appliance/load models. Each is a pure function of time (and its seed): what it draws at
 * nominal voltage, its displacement angle and its current harmonics. The circuit turns that
 * into current phasors at the actual supply voltage (constant impedance).
 *
 * Fridge, kettle and washer play the real tracebase day traces when given (time-of-day aligned,
 * interpolated); otherwise a synthetic stand-in with the same shape is used. The rest are
 * synthetic with daily schedules.
 */
import { ApplianceTraces } from './power-trace';
import { dayIndex, hash01, msOfDay, smoothNoise } from './sim-random';

export interface LoadDraw {
  /** Active power at nominal voltage, W; negative = generation (export). */
  powerW: number;
  /** Displacement angle of the fundamental current, rad; positive = lagging (inductive). */
  phiRad: number;
  /** Current harmonic magnitudes relative to the fundamental, for orders 3, 5, 7, … */
  harmonics: readonly number[];
}

export interface Load {
  readonly kind: ApplianceKind;
  draw(tMs: number, out: LoadDraw): void;
}

export type ApplianceKind =
  | 'fridge'
  | 'kettle'
  | 'washer'
  | 'lighting'
  | 'oven'
  | 'heatpump'
  | 'base'
  | 'ev'
  | 'dishwasher'
  | 'pv'
  | 'resistive'
  | 'motor'
  | 'smps'
  | 'empty';

/**
 * `watts` overrides the appliance's rated power where it has one (peak for pv); `pf` the power
 * factor of motor/constant loads. resistive/motor/smps draw constantly.
 */
export interface ApplianceSpec {
  kind: ApplianceKind;
  watts?: number;
  pf?: number;
  label?: string;
}

/** The default mix for the ten circuits (circuit 1 first). */
export const DEFAULT_CIRCUITS: readonly ApplianceSpec[] = Object.freeze([
  { kind: 'fridge', label: 'Fridge' },
  { kind: 'kettle', label: 'Kitchen sockets (kettle)' },
  { kind: 'washer', label: 'Washing machine' },
  { kind: 'lighting', label: 'Lighting' },
  { kind: 'oven', label: 'Oven' },
  { kind: 'heatpump', label: 'Heat pump' },
  { kind: 'base', label: 'Base load' },
  { kind: 'ev', label: 'EV charger' },
  { kind: 'dishwasher', label: 'Dishwasher' },
  { kind: 'empty', label: 'Spare' },
]);

const NO_HARMONICS: readonly number[] = Object.freeze([]);
/** Capacitor-input rectifier (SMPS, LED drivers): strong odd harmonics. */
const SMPS_HARMONICS: readonly number[] = Object.freeze([0.75, 0.5, 0.3, 0.15, 0.08, 0.05]);
const MOTOR_HARMONICS: readonly number[] = Object.freeze([0.05, 0.03]);
/** A household mix of motors and electronics. */
const MIXED_HARMONICS: readonly number[] = Object.freeze([0.2, 0.1]);
const INVERTER_HARMONICS: readonly number[] = Object.freeze([0.12, 0.06, 0.03]);

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const lagging = (pf: number): number => Math.acos(Math.min(1, Math.max(0, pf)));

function set(out: LoadDraw, powerW: number, phiRad: number, harmonics: readonly number[]): void {
  out.powerW = powerW;
  out.phiRad = phiRad;
  out.harmonics = harmonics;
}

export interface LoadContext {
  seed: number;
  utcOffsetMinutes: number;
  traces?: ApplianceTraces;
}

export function createLoad(spec: ApplianceSpec, context: LoadContext): Load {
  if (spec.watts !== undefined && !(Number.isFinite(spec.watts) && spec.watts >= 0)) throw new RangeError(`appliance watts must be ≥ 0: ${spec.watts}`);
  if (spec.pf !== undefined && !(spec.pf > 0 && spec.pf <= 1)) throw new RangeError(`appliance pf must be in (0, 1]: ${spec.pf}`);
  const { seed, utcOffsetMinutes: offset, traces } = context;
  const day = (t: number): number => msOfDay(t, offset);
  const kind = spec.kind;
  const load = (draw: (t: number, out: LoadDraw) => void): Load => ({ kind, draw });

  switch (kind) {
    case 'empty':
      return load((_t, out) => set(out, 0, 0, NO_HARMONICS));
    case 'resistive':
      return load((_t, out) => set(out, spec.watts ?? 1000, 0, NO_HARMONICS));
    case 'motor':
      return load((_t, out) => set(out, spec.watts ?? 750, lagging(spec.pf ?? 0.75), MOTOR_HARMONICS));
    case 'smps':
      return load((_t, out) => set(out, spec.watts ?? 100, -0.15, SMPS_HARMONICS));

    case 'fridge': {
      const trace = traces?.fridge;
      const pf = spec.pf ?? 0.8;
      return load((t, out) => {
        const watts = trace ? trace.wattsAt(day(t) / 1000) : syntheticFridge(day(t));
        set(out, scale(watts, spec.watts, 77), lagging(pf), MOTOR_HARMONICS);
      });
    }
    case 'kettle': {
      const trace = traces?.kettle;
      return load((t, out) => set(out, scale(trace ? trace.wattsAt(day(t) / 1000) : syntheticKettle(day(t)), spec.watts, 2650), 0, NO_HARMONICS));
    }
    case 'washer': {
      const trace = traces?.washer;
      return load((t, out) => {
        const watts = scale(trace ? trace.wattsAt(day(t) / 1000) : syntheticWasher(day(t)), spec.watts, 2140);
        // Above ~1 kW the heater dominates (PF 1); below, the drum motor (PF ~0.65).
        if (watts > 1000) set(out, watts, 0.05, NO_HARMONICS);
        else set(out, watts, lagging(0.65), MOTOR_HARMONICS);
      });
    }

    case 'lighting': {
      const peak = spec.watts ?? 180;
      return load((t, out) => {
        const h = day(t) / HOUR_MS;
        const evening = h >= 18 && h < 23.5 ? 1 : h >= 6.5 && h < 8 ? 0.5 : 0;
        const watts = 15 + (peak - 15) * evening * (0.85 + 0.15 * smoothNoise(seed, t, 10 * MINUTE_MS));
        set(out, watts, -0.15, SMPS_HARMONICS);
      });
    }
    case 'oven': {
      const rated = spec.watts ?? 2500;
      return load((t, out) => {
        const h = day(t) / HOUR_MS;
        const cooking = h >= 17.5 && h < 18.75;
        // Thermostat: full power for the first 15 min, then ~55 % duty in 2-minute periods.
        const into = (h - 17.5) * 60;
        const on = cooking && (into < 15 || (into % 2) / 2 < 0.55);
        set(out, on ? rated : 0, 0, NO_HARMONICS);
      });
    }
    case 'heatpump': {
      const rated = spec.watts ?? 1200;
      const pf = spec.pf ?? 0.85;
      return load((t, out) => {
        const h = day(t) / HOUR_MS;
        const season = (h >= 5.5 && h < 9) || (h >= 16 && h < 22.5);
        const phase = (day(t) % (45 * MINUTE_MS)) / MINUTE_MS;
        const on = season && phase < 22 + 6 * hash01(seed, dayIndex(t, offset));
        set(out, on ? rated * (0.9 + 0.1 * smoothNoise(seed, t, 5 * MINUTE_MS)) : 8, lagging(pf), on ? INVERTER_HARMONICS : NO_HARMONICS);
      });
    }
    case 'base': {
      const mean = spec.watts ?? 120;
      return load((t, out) => set(out, mean * (1 + 0.15 * smoothNoise(seed, t, 7 * MINUTE_MS)), lagging(spec.pf ?? 0.9), MIXED_HARMONICS));
    }
    case 'ev': {
      const rated = spec.watts ?? 3680; // 16 A at 230 V
      return load((t, out) => {
        const h = day(t) / HOUR_MS;
        // Plugged in at 22:00, charges 8–12 kWh depending on the day.
        const hours = (8000 + 4000 * hash01(seed, dayIndex(t, offset))) / rated;
        const since = h >= 22 ? h - 22 : h + 2;
        set(out, since < hours ? rated : 0, lagging(0.99), MOTOR_HARMONICS);
      });
    }
    case 'dishwasher': {
      const heater = spec.watts ?? 2000;
      return load((t, out) => {
        const minutes = (day(t) - 20.5 * HOUR_MS) / MINUTE_MS;
        if (minutes < 0 || minutes >= 100) return set(out, 0.5, 0, NO_HARMONICS);
        if ((minutes >= 5 && minutes < 25) || (minutes >= 70 && minutes < 85)) return set(out, heater, 0, NO_HARMONICS);
        if (minutes < 85) return set(out, 60, lagging(0.6), MOTOR_HARMONICS);
        return set(out, 10, -0.15, SMPS_HARMONICS);
      });
    }
    case 'pv': {
      const peak = spec.watts ?? 3000;
      return load((t, out) => {
        const h = day(t) / HOUR_MS;
        const sun = h > 6 && h < 20 ? Math.sin((Math.PI * (h - 6)) / 14) : 0;
        const clouds = 0.8 + 0.2 * smoothNoise(seed, t, 3 * MINUTE_MS);
        set(out, -peak * sun * clouds, 0, INVERTER_HARMONICS);
      });
    }
  }
  throw new RangeError(`unknown appliance kind: ${String(kind)}`);
}

/** A trace (or stand-in) plays at its own level unless the spec asks for a different rating. */
function scale(watts: number, rated: number | undefined, nominal: number): number {
  return Math.max(0, watts) * (rated === undefined ? 1 : rated / nominal);
}

// Synthetic stand-ins with the shape of the tracebase days (SOURCES.md) for when no trace is given.
function syntheticFridge(ms: number): number {
  const minute = (ms / MINUTE_MS) % 64;
  return minute < 27 ? (minute < 0.1 ? 400 : 77) : 1;
}

const KETTLE_STARTS_MIN = [6 * 60 + 48, 8 * 60 + 10, 10 * 60 + 14, 12 * 60 + 20, 15 * 60 + 49, 20 * 60 + 48];
function syntheticKettle(ms: number): number {
  const minute = ms / MINUTE_MS;
  for (const start of KETTLE_STARTS_MIN) if (minute >= start && minute < start + 2.5) return 2650;
  return 0;
}

function syntheticWasher(ms: number): number {
  const minute = ms / MINUTE_MS - (9 * 60 + 20);
  if (minute < 0 || minute >= 118) return 0.5;
  if (minute >= 8 && minute < 25) return 2140;
  // Drum phases: 40 s on, 20 s off at ~300 W; a spin at the end.
  if (minute >= 100) return 500;
  return (minute * 60) % 60 < 40 ? 300 : 5;
}
