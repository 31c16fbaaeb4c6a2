/**
 * Register-level model of one ATM90E26 as seen over SPI, driven by the electrical state of its
 * circuit. Portable (no Node APIs). It answers the same 24-clock frames as the chip, keeps the
 * calibration blocks and their checksums (a wrong CS1/CS2 in check mode sets SysStatus and stops
 * metering), soft reset, FuncEn, LastSPIData, clear-on-read energy in 0.1-pulse units, and
 * quantises every measurement to its register LSB.
 *
 * Model assumptions (the datasheet's internal constants are not in docs/atm90e26.md):
 * - The rms gain constants are chosen so that the datasheet default Ugain/IgainL read correctly
 *   on the board's nominal front end; readings scale linearly with Ugain/IgainL.
 * - Energy follows ESPHome's PLconst formula: pulses/h = 838 860.8 × p_adc / PLconst, with p_adc in
 *   mV² at the pins (after the PGA), scaled by (1 + Lgain / 32768).
 * - Pmean/Qmean/Smean are the energy path in watts at POWER_REGISTER_METER_CONSTANT imp/kWh.
 * - Measurement registers are refreshed every MEASUREMENT_WINDOW_MS of simulated time.
 * - Lphi, the offsets and the start/no-load thresholds are stored and checksummed but do not act.
 */
import { FrontEnd, POWER_REGISTER_METER_CONSTANT, toSigned16 } from '../drivers/atm90e26/atm90e26.calibration';
import { atm90e26Checksum } from '../drivers/atm90e26/atm90e26.checksum';
import { encodeWord } from '../drivers/atm90e26/atm90e26.measurements';
import {
  CS1_BLOCK,
  CS2_BLOCK,
  FUNC_EN_POWER_ON,
  MAGIC,
  MEASUREMENT_DEFAULTS,
  METERING_DEFAULTS,
  MMODE_PGA_MASK,
  MMODE_PGA_SHIFT,
  PGA_CODE,
  REG,
  SYS_STATUS,
} from '../drivers/atm90e26/atm90e26.registers';

/** The true electrical state of a circuit at the line, over one simulation step. */
export interface ElectricalState {
  vrms: number;
  irms: number;
  /** Active power, W (negative = export). */
  pW: number;
  /** Reactive power, var (positive = inductive). */
  qVar: number;
  freqHz: number;
}

export type ChipFaultMode = 'none' | 'dead' | 'miso-low';

export interface Atm90e26ModelOptions {
  /** The board's nominal front end: defines the model's rms gain constants. */
  nominal: Omit<FrontEnd, 'pga' | 'meterConstant'>;
  /** Actual front-end gain errors of this unit (component tolerance), as fractions. */
  voltageGainError?: number;
  currentGainError?: number;
}

export const MEASUREMENT_WINDOW_MS = 200;

const PGA_BY_CODE: Record<number, number> = {};
for (const [gain, code] of Object.entries(PGA_CODE)) PGA_BY_CODE[code] = Number(gain);

export class Atm90e26Model {
  readonly registers = new Uint16Array(128);
  private fault: ChipFaultMode = 'none';
  // SPI frame state
  private selected = false;
  private position = 0;
  private command = 0;
  private outWord = 0;
  private inHigh = 0;
  // analogue front end
  private readonly voltageMvPerV: number;
  private readonly currentMvPerA: number;
  private readonly uConst: number;
  private readonly iConst: number;
  // energy residues in 0.1-pulse units: AP, AN, AT, RP, RN, RT
  private readonly residue = new Float64Array(6);
  // measurement window accumulators
  private windowS = 0;
  private sumV2 = 0;
  private sumI2 = 0;
  private sumP = 0;
  private sumQ = 0;
  private sumF = 0;

  constructor(options: Atm90e26ModelOptions) {
    const { nominal } = options;
    this.voltageMvPerV = (nominal.voltageMvAtVref / nominal.vrefV) * (1 + (options.voltageGainError ?? 0));
    this.currentMvPerA = nominal.currentMvPerA * (1 + (options.currentGainError ?? 0));
    this.uConst = nominal.vrefV / (nominal.voltageMvAtVref * MEASUREMENT_DEFAULTS[REG.Ugain]);
    this.iConst = 1 / (nominal.currentMvPerA * MEASUREMENT_DEFAULTS[REG.IgainL]);
    this.powerOn();
  }

  // ---- fault injection -----------------------------------------------------------------------

  /** 'dead': MISO floats high (all ones); 'miso-low': MISO shorted low (all zeros). */
  setFault(mode: ChipFaultMode): void {
    this.fault = mode;
  }

  /** A supply glitch: every register back to its power-on value, energy lost. */
  powerOn(): void {
    const r = this.registers;
    r.fill(0);
    r[REG.FuncEn] = FUNC_EN_POWER_ON;
    r[REG.CalStart] = MAGIC.powerOn;
    r[REG.AdjStart] = MAGIC.powerOn;
    this.loadDefaults(CS1_BLOCK, METERING_DEFAULTS);
    this.loadDefaults(CS2_BLOCK, MEASUREMENT_DEFAULTS);
    r[REG.CS1] = atm90e26Checksum(CS1_BLOCK.map((a) => r[a]));
    r[REG.CS2] = atm90e26Checksum(CS2_BLOCK.map((a) => r[a]));
    this.residue.fill(0);
    this.resetWindow();
  }

  /** Flips a bit of a CS1-covered register, as a corrupted calibration would; checked at once. */
  corruptCalibration(): void {
    this.registers[REG.Lgain] ^= 0x0100;
    this.verifyBlocks();
  }

  get metering(): boolean {
    return (this.registers[REG.SysStatus] & (SYS_STATUS.cs1Error | SYS_STATUS.cs2Error)) === 0;
  }

  // ---- SPI, one byte at a time ----------------------------------------------------------------

  /** Chip-select edge: low (true) starts a frame, high aborts whatever is half done. */
  select(active: boolean): void {
    this.selected = active;
    this.position = 0;
  }

  exchange(mosi: number): number {
    if (!this.selected) return 0xff;
    let miso = 0xff;
    switch (this.position) {
      case 0:
        this.command = mosi;
        // A read takes effect as soon as the address is in (energy clears now).
        if (mosi & 0x80) this.outWord = this.readRegister(mosi & 0x7f);
        break;
      case 1:
        miso = this.command & 0x80 ? this.outWord >>> 8 : 0;
        this.inHigh = mosi;
        break;
      case 2:
        miso = this.command & 0x80 ? this.outWord & 0xff : 0;
        if (!(this.command & 0x80)) this.writeRegister(this.command & 0x7f, (this.inHigh << 8) | mosi);
        break;
      default:
        miso = 0xff; // clocks beyond 24 are ignored
    }
    this.position++;
    if (this.fault === 'dead') return 0xff;
    if (this.fault === 'miso-low') return 0x00;
    return miso;
  }

  private readRegister(address: number): number {
    if (this.fault !== 'none') return 0;
    const r = this.registers;
    const value = r[address];
    if (address >= REG.APenergy && address <= REG.RTenergy) r[address] = 0; // clear on read
    if (address !== REG.LastSPIData) r[REG.LastSPIData] = value;
    return value;
  }

  private writeRegister(address: number, value: number): void {
    if (this.fault !== 'none') return;
    const r = this.registers;
    r[REG.LastSPIData] = value;
    if (address === REG.SoftReset) {
      if (value === MAGIC.softReset) this.powerOn();
      return;
    }
    if (address === REG.CalStart || address === REG.AdjStart) {
      this.writeStart(address, value);
      return;
    }
    if (address >= REG.PLconstH && address <= REG.CS1) {
      if (r[REG.CalStart] === MAGIC.calibrationMode) r[address] = value;
      return;
    }
    if (address >= REG.Ugain && address <= REG.CS2) {
      if (r[REG.AdjStart] === MAGIC.calibrationMode) r[address] = value;
      return;
    }
    if (address === REG.FuncEn || address === REG.SagTh || address === REG.SmallPMod) r[address] = value;
    // Measurement and energy registers are read-only.
  }

  private writeStart(address: number, value: number): void {
    const r = this.registers;
    const metering = address === REG.CalStart;
    if (value === MAGIC.calibrationMode) {
      // Facts: writing 0x5678 resets that block to its defaults.
      this.loadDefaults(metering ? CS1_BLOCK : CS2_BLOCK, metering ? METERING_DEFAULTS : MEASUREMENT_DEFAULTS);
      r[REG.SysStatus] &= metering ? ~SYS_STATUS.cs1Error : ~SYS_STATUS.cs2Error;
    }
    r[address] = value;
    this.verifyBlocks();
  }

  /** In check mode the chip compares each block with its checksum and stops metering on a mismatch. */
  private verifyBlocks(): void {
    const r = this.registers;
    if (r[REG.CalStart] === MAGIC.checkMode) {
      const ok = atm90e26Checksum(CS1_BLOCK.map((a) => r[a])) === r[REG.CS1];
      r[REG.SysStatus] = ok ? r[REG.SysStatus] & ~SYS_STATUS.cs1Error : r[REG.SysStatus] | SYS_STATUS.cs1Error;
    }
    if (r[REG.AdjStart] === MAGIC.checkMode) {
      const ok = atm90e26Checksum(CS2_BLOCK.map((a) => r[a])) === r[REG.CS2];
      r[REG.SysStatus] = ok ? r[REG.SysStatus] & ~SYS_STATUS.cs2Error : r[REG.SysStatus] | SYS_STATUS.cs2Error;
    }
  }

  private loadDefaults(block: readonly number[], defaults: Record<number, number>): void {
    for (const address of block) this.registers[address] = defaults[address];
  }

  // ---- metering ------------------------------------------------------------------------------

  /** Advance the chip by `durationS` during which its circuit was in `state`. */
  advance(state: ElectricalState, durationS: number): void {
    if (durationS <= 0) return;
    if (!this.metering || this.fault !== 'none') {
      this.resetWindow();
      this.clearMeasurements();
      return;
    }
    const r = this.registers;
    const pga = PGA_BY_CODE[(r[REG.MMode] & MMODE_PGA_MASK) >>> MMODE_PGA_SHIFT] ?? 1;
    const vScale = this.voltageMvPerV;
    const iScale = this.currentMvPerA * pga;
    const plconst = r[REG.PLconstH] * 0x10000 + r[REG.PLconstL];
    // Energy in 0.1-pulse units per W·s of true power: pulses/h = 838860.8 × p_adc / PLconst.
    const countsPerWs = plconst > 0 ? (((838860.8 * vScale * iScale) / plconst) * (1 + toSigned16(r[REG.Lgain]) / 32768) * 10) / 3600 : 0;
    const p = state.pW * countsPerWs * durationS;
    const q = state.qVar * countsPerWs * durationS;
    this.accumulate(0, 1, 2, REG.APenergy, p);
    this.accumulate(3, 4, 5, REG.RPenergy, q);

    this.windowS += durationS;
    this.sumV2 += state.vrms * state.vrms * durationS;
    this.sumI2 += state.irms * state.irms * durationS;
    this.sumP += state.pW * durationS;
    this.sumQ += state.qVar * durationS;
    this.sumF += state.freqHz * durationS;
    if (this.windowS * 1000 >= MEASUREMENT_WINDOW_MS - 1e-6) this.commitWindow(vScale, iScale, countsPerWs);
  }

  private accumulate(forward: number, reverse: number, absolute: number, firstRegister: number, counts: number): void {
    this.addCounts(counts >= 0 ? forward : reverse, firstRegister + (counts >= 0 ? 0 : 1), Math.abs(counts));
    this.addCounts(absolute, firstRegister + 2, Math.abs(counts));
  }

  private addCounts(slot: number, register: number, counts: number): void {
    const total = this.residue[slot] + counts;
    const whole = Math.floor(total);
    this.residue[slot] = total - whole;
    this.registers[register] = Math.min(0xffff, this.registers[register] + whole); // saturates
  }

  private commitWindow(vScale: number, iScale: number, countsPerWs: number): void {
    const r = this.registers;
    const t = this.windowS;
    const vrms = Math.sqrt(this.sumV2 / t);
    const irms = Math.sqrt(this.sumI2 / t);
    // Power registers: watts implied by the pulse rate, at the reference meter constant.
    const wattsPerTrueWatt = (countsPerWs * 3600 * 1000) / (10 * POWER_REGISTER_METER_CONSTANT);
    const p = (this.sumP / t) * wattsPerTrueWatt;
    const q = (this.sumQ / t) * wattsPerTrueWatt;
    const s = vrms * irms * wattsPerTrueWatt;
    r[REG.Urms] = encodeWord(vrms * vScale * r[REG.Ugain] * this.uConst * 100, 'unsigned');
    r[REG.Irms] = encodeWord(irms * iScale * r[REG.IgainL] * this.iConst * 1000, 'unsigned');
    r[REG.Pmean] = encodeWord(p, 'twos-complement');
    r[REG.Qmean] = encodeWord(q, 'twos-complement');
    r[REG.Smean] = encodeWord(s, 'unsigned');
    const pf = s > 0 ? Math.max(-1, Math.min(1, p / s)) : 0;
    r[REG.PowerF] = encodeWord(pf * 1000, 'sign-magnitude');
    r[REG.Pangle] = encodeWord(s > 0 ? (Math.atan2(q, p) * 1800) / Math.PI : 0, 'twos-complement');
    r[REG.Freq] = encodeWord((this.sumF / t) * 100, 'unsigned');
    this.resetWindow();
  }

  private clearMeasurements(): void {
    const r = this.registers;
    r[REG.Urms] = r[REG.Irms] = r[REG.Pmean] = r[REG.Qmean] = r[REG.Smean] = r[REG.PowerF] = r[REG.Pangle] = r[REG.Freq] = 0;
  }

  private resetWindow(): void {
    this.windowS = this.sumV2 = this.sumI2 = this.sumP = this.sumQ = this.sumF = 0;
  }
}
