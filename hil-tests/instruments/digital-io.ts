/**
 * The fixture's Modbus TCP digital I/O module (an Advantech ADAM-6000 or WAGO 750 class module):
 * coils route the electronic load and the reference meter to one circuit's outgoing terminal
 * (one contactor per circuit, at most one closed), and discrete inputs sense 230 V on each
 * circuit's outgoing terminal behind the meter's relay (an opto-coupled mains input), i.e. the
 * relay contact as it really is. Addresses are configurable (schematics/production-fixture.md).
 */
import { InstrumentError } from './line-connection';
import { ModbusEndpoint, ModbusTcpConnection } from './modbus-tcp';

export interface DigitalIoOptions extends ModbusEndpoint {
  circuits?: number;
  /** First coil of the load-routing contactors (circuit 1); default 0. */
  routeCoil?: number;
  /** First discrete input of the relay-sense inputs (circuit 1); default 0. */
  senseInput?: number;
}

export class DigitalIoDriver {
  private readonly modbus: ModbusTcpConnection;
  private readonly circuits: number;

  constructor(private readonly options: DigitalIoOptions) {
    this.circuits = options.circuits ?? 10;
    this.modbus = new ModbusTcpConnection('digital I/O module', options);
  }

  /** Closes the routing contactor of `circuit` and opens every other one (null: all open). */
  async route(circuit: number | null): Promise<void> {
    if (circuit !== null && !(Number.isInteger(circuit) && circuit >= 1 && circuit <= this.circuits)) {
      throw new RangeError(`circuit must be 1..${this.circuits} or null, got ${circuit}`);
    }
    const coils = Array.from({ length: this.circuits }, (_, k) => k + 1 === circuit);
    await this.modbus.writeCoils(this.options.routeCoil ?? 0, coils);
  }

  /** Voltage present behind each circuit's relay: true = contact closed. */
  async relayContacts(): Promise<boolean[]> {
    const inputs = await this.modbus.readDiscreteInputs(this.options.senseInput ?? 0, this.circuits);
    if (inputs.length !== this.circuits) throw new InstrumentError(`digital I/O module returned ${inputs.length} inputs`);
    return inputs;
  }

  close(): Promise<void> {
    return this.modbus.close();
  }
}
