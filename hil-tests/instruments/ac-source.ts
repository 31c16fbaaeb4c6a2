/**
 * Programmable AC source over SCPI: sets the bench's mains (voltage, frequency), switches its output
 * (the meters' supply: output off is a power cut), and measures what it delivers. The command
 * tables below are the only place the dialects differ; they follow the vendors' programming
 * manuals as far as we know them and have not yet been run against the real instruments
 * (docs/hil.md, "Adding an instrument driver").
 */
import { InstrumentError } from './line-connection';
import { Identity, ScpiInstrument, scpiNumber } from './scpi';

export interface AcSourceCommands {
  voltage(volts: number): string;
  frequency(hz: number): string;
  output(on: boolean): string;
  measureVoltage: string;
  measureFrequency: string;
}

export const AC_SOURCE_DIALECTS = Object.freeze({
  /** Chroma 61500/61600 series: SOURce:VOLTage:AC, SOURce:FREQuency, OUTPut, MEASure:…:AC?. */
  'chroma-61500': Object.freeze({
    voltage: (v: number) => `SOUR:VOLT:AC ${scpiNumber(v)}`,
    frequency: (hz: number) => `SOUR:FREQ ${scpiNumber(hz)}`,
    output: (on: boolean) => `OUTP ${on ? 'ON' : 'OFF'}`,
    measureVoltage: 'MEAS:VOLT:AC?',
    measureFrequency: 'MEAS:FREQ?',
  }),
  /** Keysight AC6800 series: [SOURce:]VOLTage, [SOURce:]FREQuency, OUTPut, MEASure:VOLTage:AC?. */
  'keysight-ac6800': Object.freeze({
    voltage: (v: number) => `VOLT ${scpiNumber(v)}`,
    frequency: (hz: number) => `FREQ ${scpiNumber(hz)}`,
    output: (on: boolean) => `OUTP ${on ? 'ON' : 'OFF'}`,
    measureVoltage: 'MEAS:VOLT:AC?',
    measureFrequency: 'MEAS:FREQ?',
  }),
} satisfies Record<string, AcSourceCommands>);

export type AcSourceDialect = keyof typeof AC_SOURCE_DIALECTS;

export interface AcSourceOptions {
  host: string;
  port: number;
  dialect: AcSourceDialect;
  /** The bench's wiring limit; higher settings are refused before anything is sent. */
  maxVoltageV?: number;
  timeoutMs?: number;
}

export class AcSourceDriver {
  private readonly scpi: ScpiInstrument;
  private readonly commands: AcSourceCommands;
  private readonly maxVoltageV: number;

  constructor(options: AcSourceOptions) {
    const commands = AC_SOURCE_DIALECTS[options.dialect] as AcSourceCommands | undefined;
    if (!commands) throw new RangeError(`unknown AC source dialect "${options.dialect}" (one of ${Object.keys(AC_SOURCE_DIALECTS).join(', ')})`);
    this.commands = commands;
    this.maxVoltageV = options.maxVoltageV ?? 264; // 230 V + 15 %: IEC 62053-21 extended range
    this.scpi = new ScpiInstrument('AC source', options, options.timeoutMs);
  }

  identify(): Promise<Identity> {
    return this.scpi.identify();
  }

  async setVoltage(volts: number): Promise<void> {
    if (!(Number.isFinite(volts) && volts >= 0 && volts <= this.maxVoltageV)) throw new RangeError(`source voltage must be 0..${this.maxVoltageV} V, got ${volts}`);
    await this.scpi.write(this.commands.voltage(volts));
  }

  async setFrequency(hz: number): Promise<void> {
    if (!(Number.isFinite(hz) && hz >= 45 && hz <= 65)) throw new RangeError(`source frequency must be 45..65 Hz, got ${hz}`);
    await this.scpi.write(this.commands.frequency(hz));
  }

  async setOutput(on: boolean): Promise<void> {
    await this.scpi.write(this.commands.output(on));
  }

  async measure(): Promise<{ voltageV: number; frequencyHz: number }> {
    const voltageV = await this.scpi.queryNumber(this.commands.measureVoltage);
    const frequencyHz = await this.scpi.queryNumber(this.commands.measureFrequency);
    if (voltageV < 0) throw new InstrumentError(`AC source measured a negative rms voltage: ${voltageV}`);
    return { voltageV, frequencyHz };
  }

  close(): Promise<void> {
    return this.scpi.close();
  }
}
