/**
 * A bench's instruments behind the rig's `RigInstruments`: the AC source and the electronic load
 * over SCPI, the SDM630 reference meter and the fixture's digital I/O over Modbus TCP. Switching
 * order protects the contactors: the load's input is off while the routing changes.
 */
import { AcLoadDriver } from '../instruments/ac-load';
import { AcSourceDriver } from '../instruments/ac-source';
import { DigitalIoDriver } from '../instruments/digital-io';
import { ReferenceReading, Sdm630Driver } from '../instruments/sdm630';
import type { BenchConfig } from './bench-config';
import { LoadPoint, RigInstruments } from './rig';

export class BenchInstruments implements RigInstruments {
  readonly source: AcSourceDriver;
  readonly load: AcLoadDriver;
  readonly reference: Sdm630Driver;
  readonly dio: DigitalIoDriver;
  private readonly sensing: boolean;

  constructor(
    config: BenchConfig['instruments'],
    readonly dut: string,
  ) {
    const timeoutMs = config.timeoutMs ?? 3000;
    this.source = new AcSourceDriver({ ...config.source, timeoutMs });
    this.load = new AcLoadDriver({ ...config.load, timeoutMs });
    this.reference = new Sdm630Driver({ ...config.reference, timeoutMs });
    this.dio = new DigitalIoDriver({ ...config.dio, timeoutMs });
    this.sensing = config.dio.senseInput !== undefined;
  }

  async identify(): Promise<Record<string, string>> {
    const text = (i: { maker: string; model: string; serial: string; firmware: string }) => `${i.maker} ${i.model} s/n ${i.serial} fw ${i.firmware}`;
    const out: Record<string, string> = {
      source: text(await this.source.identify()),
      load: text(await this.load.identify()),
    };
    const reading = await this.reference.read(); // the SDM630 has no identification: a reading proves it answers
    out.reference = `SDM630 (answers: ${reading.voltageV.toFixed(1)} V)`;
    out.dio = this.sensing ? `digital I/O (${(await this.dio.relayContacts()).length} relay sense inputs)` : 'digital I/O (routing only)';
    return out;
  }

  async setSupply(volts: number, hz: number): Promise<void> {
    await this.source.setVoltage(volts);
    await this.source.setFrequency(hz);
  }

  /** Sets the meters' supply on or off: off is a power cut. */
  async setPower(on: boolean): Promise<void> {
    await this.source.setOutput(on);
  }

  async applyLoad(circuit: number, point: LoadPoint): Promise<void> {
    await this.load.setInput(false);
    await this.dio.route(circuit);
    await this.load.program(point);
    await this.load.setInput(true);
  }

  async loadOff(): Promise<void> {
    await this.load.setInput(false);
    await this.dio.route(null);
  }

  readReference(): Promise<ReferenceReading> {
    return this.reference.read();
  }

  async relayContacts(): Promise<boolean[] | undefined> {
    return this.sensing ? this.dio.relayContacts() : undefined;
  }

  async close(): Promise<void> {
    await this.loadOff().catch(() => undefined);
    await Promise.all([this.source.close(), this.load.close(), this.reference.close(), this.dio.close()]);
  }
}
