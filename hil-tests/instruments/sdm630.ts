/**
 * Eastron SDM630 (Modbus V2) as the bench's reference power meter, over Modbus TCP (an SDM630-TCP,
 * or an SDM630 on RS485 behind a Modbus TCP gateway). Register map from Eastron's "SDM630 Modbus
 * Protocol" (input registers, function code 04): every value is an IEEE-754 single-precision float
 * in two registers, high word first. Addresses are the protocol's 0-based ones (30001 = 0x0000).
 * The fixture routes the load through phase 1 (docs/hil.md), so phase 1 is the circuit under test.
 */
import { InstrumentError } from './line-connection';
import { ModbusEndpoint, ModbusTcpConnection } from './modbus-tcp';

export const SDM630_INPUT_REGISTERS = Object.freeze({
  phase1VoltageV: 0x0000, // 30001 Phase 1 line to neutral volts
  phase1CurrentA: 0x0006, // 30007 Phase 1 current
  phase1PowerW: 0x000c, // 30013 Phase 1 active power
  phase1ApparentVa: 0x0012, // 30019 Phase 1 apparent power
  phase1ReactiveVar: 0x0018, // 30025 Phase 1 reactive power
  phase1PowerFactor: 0x001e, // 30031 Phase 1 power factor
  phase1AngleDeg: 0x0024, // 30037 Phase 1 phase angle
  frequencyHz: 0x0046, // 30071 Frequency of supply voltages
  importKwh: 0x0048, // 30073 Import active energy
  exportKwh: 0x004a, // 30075 Export active energy
  importKvarh: 0x004c, // 30077 Import reactive energy
  exportKvarh: 0x004e, // 30079 Export reactive energy
});

/** One request covers 0x0000…0x004F (80 registers, the SDM630's 40-parameter limit). */
const BLOCK_START = 0x0000;
const BLOCK_REGISTERS = 0x0050;

export interface ReferenceReading {
  voltageV: number;
  currentA: number;
  powerW: number;
  apparentVa: number;
  /** Positive: inductive (current lags). */
  reactiveVar: number;
  powerFactor: number;
  angleDeg: number;
  frequencyHz: number;
  importWh: number;
  exportWh: number;
}

export class Sdm630Driver {
  private readonly modbus: ModbusTcpConnection;

  constructor(endpoint: ModbusEndpoint) {
    this.modbus = new ModbusTcpConnection('reference meter (SDM630)', endpoint);
  }

  async read(): Promise<ReferenceReading> {
    const block = await this.modbus.readInputRegisters(BLOCK_START, BLOCK_REGISTERS);
    const at = (address: number): number => block.readFloatBE((address - BLOCK_START) * 2);
    const r = SDM630_INPUT_REGISTERS;
    const reading: ReferenceReading = {
      voltageV: at(r.phase1VoltageV),
      currentA: at(r.phase1CurrentA),
      powerW: at(r.phase1PowerW),
      apparentVa: at(r.phase1ApparentVa),
      reactiveVar: at(r.phase1ReactiveVar),
      powerFactor: at(r.phase1PowerFactor),
      angleDeg: at(r.phase1AngleDeg),
      frequencyHz: at(r.frequencyHz),
      importWh: at(r.importKwh) * 1000,
      exportWh: at(r.exportKwh) * 1000,
    };
    const bad = Object.entries(reading).filter(([, v]) => !Number.isFinite(v));
    if (bad.length > 0) throw new InstrumentError(`reference meter: registers ${bad.map(([k]) => k).join(', ')} hold no finite float`);
    if (reading.voltageV < 0 || reading.currentA < 0 || reading.frequencyHz < 0) {
      throw new InstrumentError(`reference meter: implausible reading ${JSON.stringify(reading)}`);
    }
    return reading;
  }

  close(): Promise<void> {
    return this.modbus.close();
  }
}
