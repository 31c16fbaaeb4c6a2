/**
 * The electrical world of one fuse box: an AC source and ten circuits, each with a load, a relay
 * that really cuts the current, and an optional sensor (the chip model) fed every step.
 *
 * Time advances in steps of at most `stepMs` (default one mains cycle, 20 ms). Within a step the
 * supply and the load are constant, so the cycle integral of v·i reduces exactly to
 * Σ_h V_h I_h cos(θv_h − θi_h) over the harmonic phasors: cheap, and exact for the analytic waveforms.
 * Ground truth (energy per direction) is integrated from the same phasors.
 */
import { AcSource, HARMONIC_ORDERS, newSupplyPhasors, SupplyPhasors } from './ac-source';
import { Load, LoadDraw } from './appliances';
import type { ElectricalState } from './atm90e26.model';

export interface CircuitSensor {
  advance(state: ElectricalState, durationS: number): void;
}

export interface TrueEnergy {
  importWh: number;
  exportWh: number;
  reactiveImportVarh: number;
  reactiveExportVarh: number;
}

/** Fixed phase offsets of the current harmonics (rad): a rectifier's pulses, roughly. */
const CURRENT_HARMONIC_PHASE = [0, Math.PI, 0, Math.PI, 0, Math.PI, 0];
const H = HARMONIC_ORDERS.length;
const NO_HARMONICS: readonly number[] = Object.freeze([]);

export class SimCircuit {
  relayOn: boolean;
  sensor?: CircuitSensor;
  /** Ground truth since the world was created. */
  readonly truth: TrueEnergy = { importWh: 0, exportWh: 0, reactiveImportVarh: 0, reactiveExportVarh: 0 };
  /** The state over the last step. */
  readonly state: ElectricalState = { vrms: 0, irms: 0, pW: 0, qVar: 0, freqHz: 0 };
  private forced?: { currentA: number; phiRad: number };
  private readonly draw: LoadDraw = { powerW: 0, phiRad: 0, harmonics: [] };
  private readonly iMagnitude = new Float64Array(H);
  private readonly iPhase = new Float64Array(H);

  constructor(
    readonly circuit: number,
    public load: Load,
    private readonly nominalV: number,
    relayOn: boolean,
  ) {
    this.relayOn = relayOn;
  }

  /**
   * Force a sinusoidal current regardless of the appliance (overcurrent and accuracy tests).
   * `pf` with `lagging` false means capacitive. `undefined` returns control to the appliance.
   */
  forceCurrentA(currentA: number | undefined, pf = 1, lagging = true): void {
    if (currentA === undefined) {
      this.forced = undefined;
      return;
    }
    if (!(Number.isFinite(currentA) && currentA >= 0)) throw new RangeError(`forced current must be ≥ 0 A: ${currentA}`);
    if (!(pf >= -1 && pf <= 1)) throw new RangeError(`power factor must be in [-1, 1]: ${pf}`);
    // A negative pf means the current flows back (export).
    const phi = Math.acos(Math.abs(pf)) * (lagging ? 1 : -1) + (pf < 0 ? Math.PI : 0);
    this.forced = { currentA, phiRad: phi };
  }

  get forcedCurrentA(): number | undefined {
    return this.forced?.currentA;
  }

  /** Computes the current phasors and the circuit state at `tMs` for the given supply. */
  evaluate(tMs: number, supply: SupplyPhasors): ElectricalState {
    const iMag = this.iMagnitude;
    const iPh = this.iPhase;
    iMag.fill(0);
    if (this.relayOn) {
      let i1 = 0;
      let phi = 0;
      let harmonics = NO_HARMONICS;
      if (this.forced) {
        i1 = this.forced.currentA;
        phi = this.forced.phiRad;
      } else {
        this.load.draw(tMs, this.draw);
        const p = this.draw.powerW;
        if (p !== 0) {
          // Constant impedance: the rated power at nominal voltage scales with the actual voltage.
          i1 = (Math.abs(p) / (this.nominalV * Math.cos(this.draw.phiRad))) * (supply.magnitude[0] / this.nominalV);
          phi = this.draw.phiRad + (p < 0 ? Math.PI : 0);
          harmonics = this.draw.harmonics;
        }
      }
      const theta1 = supply.phase[0] - phi;
      iMag[0] = i1;
      iPh[0] = theta1;
      for (let h = 1; h < H; h++) {
        iMag[h] = h - 1 < harmonics.length ? i1 * harmonics[h - 1] : 0;
        iPh[h] = HARMONIC_ORDERS[h] * theta1 + CURRENT_HARMONIC_PHASE[h];
      }
    }
    let v2 = 0;
    let i2 = 0;
    let p = 0;
    let q = 0;
    for (let h = 0; h < H; h++) {
      const v = supply.magnitude[h];
      const delta = supply.phase[h] - iPh[h];
      v2 += v * v;
      i2 += iMag[h] * iMag[h];
      p += v * iMag[h] * Math.cos(delta);
      q += v * iMag[h] * Math.sin(delta);
    }
    const s = this.state;
    s.vrms = Math.sqrt(v2);
    s.irms = Math.sqrt(i2);
    s.pW = p;
    s.qVar = q;
    s.freqHz = supply.freqHz;
    return s;
  }

  /** Integrates the last evaluated state over `durationS` into the truth and the sensor. */
  integrate(durationS: number): void {
    const s = this.state;
    const hours = durationS / 3600;
    if (s.pW >= 0) this.truth.importWh += s.pW * hours;
    else this.truth.exportWh -= s.pW * hours;
    if (s.qVar >= 0) this.truth.reactiveImportVarh += s.qVar * hours;
    else this.truth.reactiveExportVarh -= s.qVar * hours;
    this.sensor?.advance(s, durationS);
  }

  /** Instantaneous current (A) at `tS` from the phasors of the last `evaluate`. */
  currentAt(tS: number, freqHz: number): number {
    const w = 2 * Math.PI * freqHz * tS;
    let i = 0;
    for (let h = 0; h < H; h++) if (this.iMagnitude[h] !== 0) i += this.iMagnitude[h] * Math.sin(HARMONIC_ORDERS[h] * w + this.iPhase[h]);
    return Math.SQRT2 * i;
  }

  /**
   * Samples the analytic waveforms (V and A, instantaneous) at `rateHz` from `startMs`, with the
   * load as it is at `startMs`, into the given arrays (equal length). For the waveform DSP path.
   */
  sampleWaveform(supply: SupplyPhasors, startMs: number, rateHz: number, voltage: Float32Array, current: Float32Array): void {
    if (voltage.length !== current.length) throw new RangeError(`waveform buffers differ in length: ${voltage.length} vs ${current.length}`);
    if (!(rateHz > 0)) throw new RangeError(`sample rate must be positive: ${rateHz}`);
    this.evaluate(startMs, supply);
    const w = 2 * Math.PI * supply.freqHz;
    // Phase origin at the start of the current second keeps the argument small.
    const t0 = (startMs % 1000) / 1000;
    for (let n = 0; n < voltage.length; n++) {
      const t = t0 + n / rateHz;
      let v = 0;
      let i = 0;
      for (let h = 0; h < H; h++) {
        const arg = HARMONIC_ORDERS[h] * w * t;
        v += supply.magnitude[h] * Math.sin(arg + supply.phase[h]);
        if (this.iMagnitude[h] !== 0) i += this.iMagnitude[h] * Math.sin(arg + this.iPhase[h]);
      }
      voltage[n] = Math.SQRT2 * v;
      current[n] = Math.SQRT2 * i;
    }
  }
}

export interface ElectricalWorldOptions {
  source: AcSource;
  loads: Load[];
  startMs: number;
  /** Longest step (ms). Default 20 ms = one mains cycle; coarser steps trade fidelity for speed. */
  stepMs?: number;
  relaysOn?: boolean;
}

export class ElectricalWorld {
  readonly source: AcSource;
  readonly circuits: SimCircuit[];
  readonly stepMs: number;
  private time: number;
  private readonly supply = newSupplyPhasors();
  private readonly frozen = newSupplyPhasors();
  private frozenAtMs = NaN;

  constructor(options: ElectricalWorldOptions) {
    if (!Number.isFinite(options.startMs)) throw new RangeError(`startMs must be a finite number: ${options.startMs}`);
    const stepMs = options.stepMs ?? 20;
    if (!(stepMs > 0 && stepMs <= 60_000)) throw new RangeError(`stepMs must be in (0, 60000]: ${stepMs}`);
    this.source = options.source;
    this.stepMs = stepMs;
    this.time = options.startMs;
    this.circuits = options.loads.map((load, k) => new SimCircuit(k + 1, load, options.source.nominalV, options.relaysOn ?? true));
  }

  get nowMs(): number {
    return this.time;
  }

  /** 1-based, like the telemetry. */
  circuit(circuit: number): SimCircuit {
    const found = this.circuits[circuit - 1];
    if (!Number.isInteger(circuit) || !found) throw new RangeError(`no circuit ${circuit} (1..${this.circuits.length})`);
    return found;
  }

  /** Advances simulated time to `tMs`, stepping every circuit and its sensor. Never goes back. */
  advanceTo(tMs: number): void {
    if (!Number.isFinite(tMs)) throw new RangeError(`advanceTo needs a finite time: ${tMs}`);
    while (this.time < tMs) {
      const dt = Math.min(this.stepMs, tMs - this.time);
      const mid = this.time + dt / 2;
      this.source.at(mid, this.supply);
      for (const circuit of this.circuits) {
        circuit.evaluate(mid, this.supply);
        circuit.integrate(dt / 1000);
      }
      this.time += dt;
    }
    this.frozenAtMs = NaN;
  }

  /**
   * Freezes the supply and every circuit's phasors at `startMs` for `voltageAt`/`currentAt` (the
   * ADC model's analogue inputs): the loads hold still over a burst. Time origin: the start of
   * that second, which keeps the sine arguments small.
   */
  freezeWaveforms(startMs: number): void {
    if (startMs === this.frozenAtMs) return;
    this.frozenAtMs = startMs;
    this.source.at(startMs, this.frozen);
    for (const circuit of this.circuits) circuit.evaluate(startMs, this.frozen);
  }

  /** Instantaneous line voltage (V) at `tS` seconds after the start of the frozen second. */
  voltageAt(tS: number): number {
    const f = this.frozen;
    const w = 2 * Math.PI * f.freqHz * tS;
    let v = 0;
    for (let h = 0; h < H; h++) v += f.magnitude[h] * Math.sin(HARMONIC_ORDERS[h] * w + f.phase[h]);
    return Math.SQRT2 * v;
  }

  /** Supply frequency of the frozen instant (for SimCircuit.currentAt). */
  get frozenFreqHz(): number {
    return this.frozen.freqHz;
  }

  /** Instantaneous current (A) of a circuit at `tS` (see voltageAt). */
  currentAt(circuit: number, tS: number): number {
    return this.circuit(circuit).currentAt(tS, this.frozen.freqHz);
  }

  /** Waveform burst of one circuit at `startMs` (see SimCircuit.sampleWaveform). */
  sampleWaveform(circuit: number, startMs: number, rateHz: number, voltage: Float32Array, current: Float32Array): void {
    this.source.at(startMs, this.supply);
    this.circuit(circuit).sampleWaveform(this.supply, startMs, rateHz, voltage, current);
  }
}
