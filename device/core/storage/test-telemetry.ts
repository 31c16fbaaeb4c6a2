/**
 * Deterministic synthetic telemetry for tests and the capacity report: per circuit an appliance that
 * switches on and off at random (seeded), mains voltage and frequency with realistic noise, and
 * energy counters integrated exactly in mWh, the way the metering core keeps them.
 */
import { CircuitReading, TelemetryMessage } from '@dinmeter/shared';
import { seededRandom } from './power-cut';

export type TelemetryInput = Omit<TelemetryMessage, 'v' | 'seq' | 'acked_seq'>;

export interface TelemetryGeneratorOptions {
  circuits: number;
  seed?: number;
  startMs?: number;
  intervalS?: number;
  /** Adds reactive energy counters (optional fields). */
  reactiveEnergy?: boolean;
}

export class TelemetryGenerator {
  readonly importMWh: number[];
  readonly exportMWh: number[];
  readonly reactiveImportMvarh: number[];
  readonly reactiveExportMvarh: number[];
  tsMs: number;
  private readonly random: () => number;
  private readonly loadW: number[];
  private readonly ratedW: number[];
  private readonly intervalS: number;

  constructor(private readonly options: TelemetryGeneratorOptions) {
    this.random = seededRandom(options.seed ?? 1);
    this.tsMs = options.startMs ?? Date.UTC(2025, 0, 6, 0, 0, 0);
    this.intervalS = options.intervalS ?? 10;
    const n = options.circuits;
    this.importMWh = new Array(n).fill(0).map(() => Math.floor(this.random() * 5e9));
    this.exportMWh = new Array(n).fill(0);
    this.reactiveImportMvarh = new Array(n).fill(0);
    this.reactiveExportMvarh = new Array(n).fill(0);
    // Fridge, kettle, washer, heat pump, lighting, PV (exporting), ...: rated powers in W.
    const rated = [80, 2600, 2100, 1800, 120, -3500, 60, 900, 1500, 400];
    this.ratedW = new Array(n).fill(0).map((_, i) => rated[i % rated.length]);
    this.loadW = new Array(n).fill(0);
  }

  next(): TelemetryInput {
    const r = this.random;
    this.tsMs += this.intervalS * 1000;
    const voltage = 230 + (r() - 0.5) * 4;
    const freq = 50 + (r() - 0.5) * 0.04;
    const circuits: CircuitReading[] = [];
    for (let i = 0; i < this.options.circuits; i++) {
      if (r() < 0.02) this.loadW[i] = this.loadW[i] === 0 ? this.ratedW[i] * (0.8 + 0.4 * r()) : 0;
      const p = this.loadW[i] === 0 ? 0.5 * r() : this.loadW[i] * (0.97 + 0.06 * r());
      const pf = this.loadW[i] === 0 ? 0.3 : 0.85 + 0.14 * r();
      const s = Math.abs(p) / pf;
      const q = Math.sqrt(Math.max(0, s * s - p * p));
      const energyMWh = Math.round((Math.abs(p) * this.intervalS) / 3.6);
      if (p >= 0) this.importMWh[i] += energyMWh;
      else this.exportMWh[i] += energyMWh;
      this.reactiveImportMvarh[i] += Math.round((q * this.intervalS) / 3.6);
      const reading: CircuitReading = {
        circuit: i + 1,
        voltage_v: Math.round((voltage + (r() - 0.5) * 0.4) * 100) / 100,
        current_a: Math.round((s / voltage) * 1000) / 1000,
        power_w: Math.round(p * 10) / 10,
        reactive_var: Math.round(q * 10) / 10,
        apparent_va: Math.round(s * 10) / 10,
        pf: Math.round(Math.sign(p || 1) * pf * 1000) / 1000,
        freq_hz: Math.round(freq * 100) / 100,
        energy_import_wh: this.importMWh[i] / 1000,
        energy_export_wh: this.exportMWh[i] / 1000,
      };
      if (this.options.reactiveEnergy) {
        reading.reactive_import_varh = this.reactiveImportMvarh[i] / 1000;
        reading.reactive_export_varh = this.reactiveExportMvarh[i] / 1000;
      }
      reading.angle_deg = Math.round((Math.atan2(q, p) * 1800) / Math.PI) / 10;
      circuits.push(reading);
    }
    return { ts: this.tsMs, interval_s: this.intervalS, circuits };
  }
}
