/**
 * Programmable AC electronic load over SCPI in constant-current mode with a power factor (and
 * crest factor): draws the test current of IEC 62053-21 through the circuit it is routed to. The
 * command table follows the Chroma 63800 programming manual (chapter 8: MODE, CURR, PF, CF, LOAD)
 * as far as we know it; it has not yet been run against a real load (docs/hil.md).
 */
import { Identity, ScpiInstrument, scpiNumber } from './scpi';

export interface AcLoadCommands {
  constantCurrentMode: string;
  current(amps: number): string;
  /** `lagging` false = capacitive (leading current). */
  powerFactor(pf: number, lagging: boolean): string;
  crestFactor(cf: number): string;
  input(on: boolean): string;
  measureCurrent: string;
  measurePower: string;
}

export const AC_LOAD_DIALECTS = Object.freeze({
  /** Chroma 63800: MODE CURR, CURR:PEAK/RMS level, PF (negative: leading), CF, LOAD ON|OFF, MEAS:…?. */
  'chroma-63800': Object.freeze({
    constantCurrentMode: 'MODE CURR',
    current: (a: number) => `CURR:STAT:L1 ${scpiNumber(a)}`,
    powerFactor: (pf: number, lagging: boolean) => `PF ${lagging ? '' : '-'}${scpiNumber(pf)}`,
    crestFactor: (cf: number) => `CF ${scpiNumber(cf)}`,
    input: (on: boolean) => `LOAD ${on ? 'ON' : 'OFF'}`,
    measureCurrent: 'MEAS:CURR?',
    measurePower: 'MEAS:POW?',
  }),
} satisfies Record<string, AcLoadCommands>);

export type AcLoadDialect = keyof typeof AC_LOAD_DIALECTS;

export interface AcLoadOptions {
  host: string;
  port: number;
  dialect: AcLoadDialect;
  /** The bench's wiring limit per circuit; larger currents are refused before anything is sent. */
  maxCurrentA?: number;
  timeoutMs?: number;
}

export interface LoadSetting {
  currentA: number;
  /** 0 < pf ≤ 1. */
  pf: number;
  /** Inductive (current lags) or capacitive. Ignored at PF 1. */
  lagging: boolean;
  /** √2 for a sine (default). */
  crestFactor?: number;
}

export class AcLoadDriver {
  private readonly scpi: ScpiInstrument;
  private readonly commands: AcLoadCommands;
  private readonly maxCurrentA: number;

  constructor(options: AcLoadOptions) {
    const commands = AC_LOAD_DIALECTS[options.dialect] as AcLoadCommands | undefined;
    if (!commands) throw new RangeError(`unknown AC load dialect "${options.dialect}" (one of ${Object.keys(AC_LOAD_DIALECTS).join(', ')})`);
    this.commands = commands;
    this.maxCurrentA = options.maxCurrentA ?? 60;
    this.scpi = new ScpiInstrument('AC load', options, options.timeoutMs);
  }

  identify(): Promise<Identity> {
    return this.scpi.identify();
  }

  /** Programs the setting with the input off; `setInput(true)` then draws it. */
  async program(setting: LoadSetting): Promise<void> {
    const { currentA, pf, lagging } = setting;
    const crestFactor = setting.crestFactor ?? Math.SQRT2;
    if (!(Number.isFinite(currentA) && currentA >= 0 && currentA <= this.maxCurrentA)) throw new RangeError(`load current must be 0..${this.maxCurrentA} A (bench limit), got ${currentA}`);
    if (!(pf > 0 && pf <= 1)) throw new RangeError(`power factor must be in (0, 1], got ${pf}`);
    if (!(crestFactor >= 1.414 && crestFactor <= 5)) throw new RangeError(`crest factor must be 1.414..5, got ${crestFactor}`);
    await this.scpi.write(this.commands.constantCurrentMode);
    await this.scpi.write(this.commands.current(currentA));
    await this.scpi.write(this.commands.powerFactor(pf, lagging || pf === 1));
    await this.scpi.write(this.commands.crestFactor(crestFactor));
  }

  async setInput(on: boolean): Promise<void> {
    await this.scpi.write(this.commands.input(on));
  }

  async measure(): Promise<{ currentA: number; powerW: number }> {
    return { currentA: await this.scpi.queryNumber(this.commands.measureCurrent), powerW: await this.scpi.queryNumber(this.commands.measurePower) };
  }

  close(): Promise<void> {
    return this.scpi.close();
  }
}
