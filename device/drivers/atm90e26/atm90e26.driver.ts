/**
 * ATM90E26 driver over an injected SPI bus and chip-select line (ten chips share one bus).
 * Frames are 24 clocks: byte 1 = R/W (bit 7, 1 = read) | 7-bit address, then 16 data bits,
 * MSB first (datasheet 4.2; SPI mode 3 at ≤ 160 kHz is the platform's job, see SPI_SETTINGS).
 *
 * Error policy: misuse throws with the bad value; chip faults (dead bus, reset, checksum)
 * become `state`/`fault` and an `onFault` event, never an exception out of a public method.
 */
import type { CalibrationParams, ChipHealth } from '@dinmeter/shared';
import type { ChipSelect, SpiBus } from '../bus';
import { atm90e26Checksum } from './atm90e26.checksum';
import {
  Atm90e26Calibration,
  CHIP_DEFAULT_CALIBRATION,
  measurementBlock,
  meteringBlock,
  POWER_REGISTER_METER_CONSTANT,
  resolveCalibration,
} from './atm90e26.calibration';
import { ENERGY_CROSS_CHECK_TOLERANCE, ENERGY_REGISTERS, EnergyDelta } from './atm90e26.energy';
import { decodeWord, MEASUREMENTS, Reading, unreversed } from './atm90e26.measurements';
import { FUNC_EN, MAGIC, REG, SOFT_RESET_SETTLE_MS, SYS_STATUS } from './atm90e26.registers';

export type Atm90e26FaultCode = 'bus' | 'reset' | 'checksum' | 'write_verify' | 'energy_mismatch';

export interface Atm90e26Fault {
  code: Atm90e26FaultCode;
  message: string;
  /** True when the driver re-initialised the chip and it meters again (energy since the fault is lost). */
  recovered: boolean;
}

export interface Atm90e26Options {
  bus: SpiBus;
  select: ChipSelect;
  calibration?: CalibrationParams;
  /** Defaults that `calibration` is resolved against (the board's nominal calibration). */
  baseCalibration?: Readonly<Atm90e26Calibration>;
  /**
   * SagTh register word. 0x1F2F is ESPHome's value (**unverified** meaning, about 78 % of the
   * nominal voltage); the firmware does not use the sag flag.
   */
  sagThreshold?: number;
  onFault?: (fault: Atm90e26Fault) => void;
  /** Blocking delay for the ~100 ms soft-reset settle time (Moddable: Timer.delay). Default: none. */
  delayMs?: (ms: number) => void;
}

export interface Atm90e26Poll {
  reading: Reading;
  energy: EnergyDelta;
}

/** Consecutive clean polls after a recovered fault before the state returns from warning to ok. */
const WARNING_HOLD_POLLS = 10;

class ChipFault extends Error {
  constructor(
    readonly code: Atm90e26FaultCode,
    message: string,
  ) {
    super(message);
  }
}

const hex = (word: number): string => `0x${word.toString(16).padStart(4, '0')}`;

export class Atm90e26 {
  private readonly bus: SpiBus;
  private readonly select: ChipSelect;
  private readonly onFault?: (fault: Atm90e26Fault) => void;
  private readonly delayMs?: (ms: number) => void;
  private readonly sagThreshold: number;
  private readonly baseCalibration: Readonly<Atm90e26Calibration>;
  private readonly frame = new Uint8Array(3);
  private cal: Atm90e26Calibration;
  private health: ChipHealth = 'failed';
  private lastFault: string | undefined = 'not configured';
  private cleanPolls = 0;

  constructor(options: Atm90e26Options) {
    if (!options || typeof options.bus?.transfer !== 'function') throw new TypeError('Atm90e26 needs a bus with transfer()');
    if (typeof options.select?.write !== 'function') throw new TypeError('Atm90e26 needs a select line with write()');
    const sag = options.sagThreshold ?? 0x1f2f;
    if (!Number.isInteger(sag) || sag < 0 || sag > 0xffff) throw new RangeError(`sagThreshold must be a 16-bit word: ${sag}`);
    this.bus = options.bus;
    this.select = options.select;
    this.onFault = options.onFault;
    this.delayMs = options.delayMs;
    this.sagThreshold = sag;
    this.baseCalibration = options.baseCalibration ?? CHIP_DEFAULT_CALIBRATION;
    this.cal = resolveCalibration(options.calibration, this.baseCalibration);
    this.select.write(1);
  }

  get state(): ChipHealth {
    return this.health;
  }

  /** Why the chip is not `ok`, if it is not. */
  get fault(): string | undefined {
    return this.lastFault;
  }

  get calibration(): Readonly<Atm90e26Calibration> {
    return this.cal;
  }

  /** Validates (throws on bad values, changing nothing), then re-initialises with the new calibration. */
  setCalibration(params: CalibrationParams): boolean {
    this.cal = resolveCalibration(params, this.baseCalibration);
    return this.configure();
  }

  /** Soft reset and full start-up sequence (docs/atm90e26.md "Checksums and start-up"). True if the chip meters. */
  configure(): boolean {
    try {
      this.initialise();
      this.health = 'ok';
      this.lastFault = undefined;
      this.cleanPolls = 0;
      return true;
    } catch (error) {
      this.report(this.asFault(error), false);
      return false;
    }
  }

  /**
   * One poll: health check (FuncEn, SysStatus), the measurement table, then the energy
   * registers once each. Undefined when the chip is failed or a fault was found (and, if
   * possible, repaired by re-initialising) during this poll.
   */
  poll(): Atm90e26Poll | undefined {
    if (this.health === 'failed') return undefined;
    try {
      this.checkHealth();
    } catch (error) {
      this.recover(this.asFault(error));
      return undefined;
    }
    const reading = this.sample();
    const energy = reading && this.readEnergy();
    if (!reading || !energy) return undefined;
    if (this.health === 'warning' && ++this.cleanPolls >= WARNING_HOLD_POLLS) {
      this.health = 'ok';
      this.lastFault = undefined;
    }
    return { reading, energy };
  }

  /** The measurement table, scaled to physical units. Undefined on a bus failure. */
  sample(): Reading | undefined {
    if (this.health === 'failed') return undefined;
    try {
      const currentScale = this.cal.ctRatio;
      const powerScale = (this.cal.ctRatio * POWER_REGISTER_METER_CONSTANT) / this.cal.meterConstant;
      const reading = {} as Reading;
      for (const def of MEASUREMENTS) {
        const value = decodeWord(this.read(def.register), def.encoding) * def.scale;
        const factor = def.rescale === 'current' ? currentScale : def.rescale === 'power' ? powerScale : 1;
        reading[def.field] = this.cal.ctReversed ? unreversed(def, value * factor) : value * factor;
      }
      return reading;
    } catch (error) {
      this.recover(this.asFault(error));
      return undefined;
    }
  }

  /**
   * Reads each clear-on-read energy register exactly once. A read is never retried: it may have
   * cleared the register already. A cross-check failure is reported but the counts are kept.
   */
  readEnergy(): EnergyDelta | undefined {
    if (this.health === 'failed') return undefined;
    const delta = {} as EnergyDelta;
    try {
      for (const { key, register } of ENERGY_REGISTERS) delta[key] = this.read(register);
    } catch (error) {
      this.recover(this.asFault(error));
      return undefined;
    }
    if (this.cal.ctReversed) {
      // A reversed CT makes the chip count import as export and the other way round.
      [delta.activeImport, delta.activeExport] = [delta.activeExport, delta.activeImport];
      [delta.reactiveImport, delta.reactiveExport] = [delta.reactiveExport, delta.reactiveImport];
    }
    const activeGap = Math.abs(delta.activeImport + delta.activeExport - delta.activeAbsolute);
    const reactiveGap = Math.abs(delta.reactiveImport + delta.reactiveExport - delta.reactiveAbsolute);
    if (activeGap > ENERGY_CROSS_CHECK_TOLERANCE || reactiveGap > ENERGY_CROSS_CHECK_TOLERANCE) {
      this.degrade('energy_mismatch', `energy registers disagree (active by ${activeGap}, reactive by ${reactiveGap} counts)`);
    }
    return delta;
  }

  /** Raw register read, for diagnostics. */
  readRegister(address: number): number | undefined {
    checkAddress(address);
    try {
      return this.read(address);
    } catch {
      return undefined;
    }
  }

  close(): void {
    this.select.write(1);
    this.health = 'failed';
    this.lastFault = 'closed';
  }

  // ---- start-up and health -------------------------------------------------------------------

  private initialise(): void {
    this.write(REG.SoftReset, MAGIC.softReset); // the chip resets: nothing to verify
    this.delayMs?.(SOFT_RESET_SETTLE_MS);
    this.writeVerified(REG.FuncEn, FUNC_EN);
    this.writeVerified(REG.SagTh, this.sagThreshold);

    const metering = meteringBlock(this.cal);
    this.writeVerified(REG.CalStart, MAGIC.calibrationMode);
    for (let k = 0; k < metering.length; k++) this.writeVerified(REG.PLconstH + k, metering[k]);
    this.writeVerified(REG.CS1, atm90e26Checksum(metering));

    const measurement = measurementBlock(this.cal);
    this.writeVerified(REG.AdjStart, MAGIC.calibrationMode);
    for (let k = 0; k < measurement.length; k++) this.writeVerified(REG.Ugain + k, measurement[k]);
    this.writeVerified(REG.CS2, atm90e26Checksum(measurement));

    this.writeVerified(REG.CalStart, MAGIC.checkMode);
    this.writeVerified(REG.AdjStart, MAGIC.checkMode);
    this.checkStatus();
  }

  private checkHealth(): void {
    const funcEn = this.read(REG.FuncEn);
    if (funcEn === 0xffff || funcEn === 0) throw new ChipFault('bus', `FuncEn reads ${hex(funcEn)}: MISO open or shorted`);
    if (funcEn !== FUNC_EN) throw new ChipFault('reset', `FuncEn reads ${hex(funcEn)} instead of ${hex(FUNC_EN)}: the chip reset`);
    this.checkStatus();
  }

  private checkStatus(): void {
    const status = this.read(REG.SysStatus);
    if (status === 0xffff) throw new ChipFault('bus', 'SysStatus reads 0xffff: MISO open');
    const cs1 = (status & SYS_STATUS.cs1Error) !== 0;
    const cs2 = (status & SYS_STATUS.cs2Error) !== 0;
    if (cs1 || cs2) {
      const which = cs1 && cs2 ? 'CS1 and CS2' : cs1 ? 'CS1' : 'CS2';
      throw new ChipFault('checksum', `SysStatus ${hex(status)}: ${which} checksum error, the chip does not meter`);
    }
  }

  /** A fault found while the chip was running: report it, re-initialise once, report the result. */
  private recover(fault: ChipFault): void {
    let recovered = false;
    try {
      this.initialise();
      recovered = true;
    } catch {
      // Still broken: the original fault is the one worth reporting.
    }
    this.report(fault, recovered);
  }

  private degrade(code: Atm90e26FaultCode, message: string): void {
    this.health = 'warning';
    this.lastFault = `${code}: ${message}`;
    this.cleanPolls = 0;
    this.onFault?.({ code, message, recovered: true });
  }

  private report(fault: ChipFault, recovered: boolean): void {
    this.health = recovered ? 'warning' : 'failed';
    this.lastFault = `${fault.code}: ${fault.message}`;
    this.cleanPolls = 0;
    this.onFault?.({ code: fault.code, message: fault.message, recovered });
  }

  private asFault(error: unknown): ChipFault {
    if (error instanceof ChipFault) return error;
    return new ChipFault('bus', `SPI transfer failed: ${error instanceof Error ? error.message : String(error)}`);
  }

  // ---- frames --------------------------------------------------------------------------------

  private read(address: number): number {
    return this.transfer(0x80 | address, 0);
  }

  private write(address: number, value: number): void {
    this.transfer(address & 0x7f, value);
  }

  /** Write, then read LastSPIData (0x06) back: it holds the last value read or written. */
  private writeVerified(address: number, value: number): void {
    this.write(address, value);
    const echoed = this.read(REG.LastSPIData);
    if (echoed === value) return;
    const code = echoed === 0xffff || echoed === 0 ? 'bus' : 'write_verify';
    throw new ChipFault(code, `write of ${hex(value)} to ${hex(address)} reads back ${hex(echoed)}`);
  }

  private transfer(first: number, value: number): number {
    const frame = this.frame;
    frame[0] = first;
    frame[1] = (value >>> 8) & 0xff;
    frame[2] = value & 0xff;
    this.select.write(0);
    try {
      this.bus.transfer(frame);
    } finally {
      this.select.write(1);
    }
    return (frame[1] << 8) | frame[2];
  }
}

function checkAddress(address: number): void {
  if (!Number.isInteger(address) || address < 0 || address > 0x7f) throw new RangeError(`register address must be 0..0x7f: ${address}`);
}
