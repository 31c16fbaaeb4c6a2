/**
 * The simulated rig's instruments: the same operations as a bench's source, load and reference
 * meter, done directly on the simulated circuits through the control channel. The reference is
 * the simulation's own truth for the routed circuit (energy integrated here, as a meter would).
 */
import type { SimMeterState } from '../../device/platform/host/sim-control';
import type { ReferenceReading } from '../instruments/sdm630';
import { LoadPoint, RigInstruments } from './rig';

export interface SimControl {
  meterState(id: string): Promise<SimMeterState>;
  forceCurrent(id: string, circuit: number, amps: number | null, pf?: number, lagging?: boolean): Promise<void>;
  setSupply(volts: number | null, hz?: number): Promise<void>;
}

export class SimInstruments implements RigInstruments {
  private route: number | null = null;
  private energy = { importWh: 0, exportWh: 0, atMs: 0 };

  constructor(
    private readonly control: SimControl,
    readonly dut: string,
  ) {}

  async identify(): Promise<Record<string, string>> {
    return { source: 'simulation', load: 'simulation', reference: 'simulation truth' };
  }

  async setSupply(volts: number, hz: number): Promise<void> {
    await this.control.setSupply(volts, hz);
  }

  async applyLoad(circuit: number, point: LoadPoint): Promise<void> {
    if (this.route !== null && this.route !== circuit) await this.control.forceCurrent(this.dut, this.route, 0);
    this.route = circuit;
    await this.control.forceCurrent(this.dut, circuit, point.currentA, point.pf, point.lagging);
  }

  async loadOff(): Promise<void> {
    if (this.route !== null) await this.control.forceCurrent(this.dut, this.route, 0);
  }

  async readReference(): Promise<ReferenceReading> {
    const state = await this.control.meterState(this.dut);
    const c = this.route === null ? undefined : state.circuits[this.route - 1];
    const volts = c?.vrms ?? state.circuits[0].vrms;
    const p = c?.powerW ?? 0;
    const q = c?.reactiveVar ?? 0;
    const i = c?.irmsA ?? 0;
    const now = Date.now();
    if (this.energy.atMs > 0) {
      const hours = (now - this.energy.atMs) / 3_600_000;
      if (p >= 0) this.energy.importWh += p * hours;
      else this.energy.exportWh -= p * hours;
    }
    this.energy.atMs = now;
    const va = volts * i;
    return {
      voltageV: volts,
      currentA: i,
      powerW: p,
      apparentVa: va,
      reactiveVar: q,
      powerFactor: va > 0 ? p / va : 1,
      angleDeg: va > 0 ? (Math.atan2(q, p) * 180) / Math.PI : 0,
      frequencyHz: c?.freqHz ?? state.circuits[0].freqHz,
      importWh: this.energy.importWh,
      exportWh: this.energy.exportWh,
    };
  }

  async relayContacts(): Promise<boolean[]> {
    return (await this.control.meterState(this.dut)).circuits.map((c) => c.relayOn);
  }

  async close(): Promise<void> {
    await this.loadOff().catch(() => undefined);
    await this.control.setSupply(null).catch(() => undefined);
  }
}
