/**
 * The instrument drivers against the emulated instruments on 127.0.0.1 (real SCPI over TCP, real
 * Modbus TCP through jsmodbus), with an in-memory simulation behind them; and their errors when an
 * instrument refuses, goes silent, answers garbage or is not there.
 */
import { createServer, Server } from 'node:net';
import type { SimMeterState } from '../../device/platform/host/sim-control';
import { EmulatedInstruments, InstrumentPorts, SimControlLink } from '../emulated/emulated-instruments';
import { AcLoadDriver } from './ac-load';
import { AcSourceDriver } from './ac-source';
import { DigitalIoDriver } from './digital-io';
import { InstrumentError } from './line-connection';
import { Sdm630Driver } from './sdm630';
import { ScpiInstrument } from './scpi';

/** A simulation in memory: what the emulators set, and a circuit state that follows it. */
class FakeSimulation implements SimControlLink {
  supply = { volts: 0, hz: 0 };
  forced = new Map<number, { amps: number; pf: number; lagging: boolean }>();
  relays = Array.from({ length: 10 }, () => true);
  async meterState(id: string): Promise<SimMeterState> {
    const circuits = this.relays.map((relayOn, k) => {
      const f = this.forced.get(k + 1) ?? { amps: 0, pf: 1, lagging: true };
      const amps = relayOn ? f.amps : 0;
      const phi = Math.acos(f.pf) * (f.lagging ? 1 : -1);
      return {
        circuit: k + 1,
        relayOn,
        relay: {} as SimMeterState['circuits'][number]['relay'],
        vrms: this.supply.volts,
        irmsA: amps,
        powerW: this.supply.volts * amps * Math.cos(phi),
        reactiveVar: this.supply.volts * amps * Math.sin(phi),
        freqHz: this.supply.hz,
        forcedA: f.amps,
        truth: { importWh: 0, exportWh: 0 },
      };
    });
    return { id, wallMs: Date.now(), planVersion: null, stats: {} as SimMeterState['stats'], circuits, transitions: [] };
  }
  async setSupply(volts: number, hz: number) {
    this.supply = { volts, hz };
  }
  async forceCurrent(_id: string, circuit: number, amps: number, pf: number, lagging: boolean) {
    this.forced.set(circuit, { amps, pf, lagging });
  }
}

describe('instrument drivers against the emulated bench instruments', () => {
  const sim = new FakeSimulation();
  const power: boolean[] = [];
  const emulated = new EmulatedInstruments({ link: sim, dut: 'dut-1', onPower: async (on) => void power.push(on) });
  let ports: InstrumentPorts;
  let source: AcSourceDriver;
  let load: AcLoadDriver;
  let reference: Sdm630Driver;
  let dio: DigitalIoDriver;

  beforeAll(async () => {
    ports = await emulated.start();
    const local = '127.0.0.1';
    source = new AcSourceDriver({ host: local, port: ports.source, dialect: 'chroma-61500', timeoutMs: 1000 });
    load = new AcLoadDriver({ host: local, port: ports.load, dialect: 'chroma-63800', maxCurrentA: 60, timeoutMs: 1000 });
    reference = new Sdm630Driver({ host: local, port: ports.reference, timeoutMs: 1000 });
    dio = new DigitalIoDriver({ host: local, port: ports.dio, routeCoil: 0, senseInput: 0, timeoutMs: 1000 });
  });

  afterAll(async () => {
    await Promise.all([source.close(), load.close(), reference.close(), dio.close()]);
    await emulated.stop();
  });

  afterEach(() => {
    emulated.source.misbehave = undefined;
    emulated.load.misbehave = undefined;
  });

  describe(AcSourceDriver.name, () => {
    it('should identify the source and set voltage, frequency and output over SCPI', async () => {
      expect(await source.identify()).toEqual({ maker: 'Chroma ATE', model: '61502', serial: 'EMU-61502', firmware: '1.00-emulated' });
      await source.setVoltage(207);
      await source.setFrequency(50);
      await source.setOutput(true);
      await emulated.settle();
      expect(emulated.state).toMatchObject({ volts: 207, hz: 50, sourceOn: true });
      expect(power).toEqual([true]);
      expect(sim.supply).toEqual({ volts: 207, hz: 50 });
      expect(await source.measure()).toEqual({ voltageV: 207, frequencyHz: 50 });
    });

    it('should refuse a voltage beyond the bench limit before sending anything', async () => {
      await expect(source.setVoltage(265)).rejects.toThrow('source voltage must be 0..264 V, got 265');
      expect(emulated.state.volts).toBe(207);
    });

    it("should report the instrument's own refusal from its error queue", async () => {
      const raw = new ScpiInstrument('AC source', { host: '127.0.0.1', port: ports.source }, 1000);
      await expect(raw.write('SOUR:VOLT:AC 400')).rejects.toThrow(/AC source 127\.0\.0\.1:\d+ refused "SOUR:VOLT:AC 400": -222 Data out of range/);
      await expect(raw.write('SOUR:VOLT:AC high')).rejects.toThrow('-104 Data type error');
      await expect(raw.write('VOLT:BOGUS 1')).rejects.toThrow('-113 Undefined header');
      await raw.close();
    });

    it('should fail with a clear error when the source goes silent, and work again after', async () => {
      emulated.source.misbehave = 'silent';
      await expect(source.identify()).rejects.toThrow(/AC source 127\.0\.0\.1:\d+ did not answer "\*IDN\?" within 1000 ms/);
      emulated.source.misbehave = undefined;
      expect((await source.identify()).model).toBe('61502');
    });

    it('should refuse malformed replies', async () => {
      emulated.source.misbehave = 'garbage';
      await expect(source.identify()).rejects.toThrow(/answered ".*garbage", not "maker,model,serial,firmware"/);
      await expect(source.measure()).rejects.toThrow(/"MEAS:VOLT:AC\?" answered ".*garbage", not a number/);
      await expect(source.setOutput(true)).rejects.toThrow(/SYST:ERR\? after "OUTP ON" answered/);
    });
  });

  describe(`${AcLoadDriver.name} with ${DigitalIoDriver.name} routing`, () => {
    it('should draw the programmed current at the programmed PF on the routed circuit only', async () => {
      await dio.route(4);
      await load.program({ currentA: 5, pf: 0.8, lagging: false });
      await load.setInput(true);
      await emulated.settle();
      expect(emulated.state).toMatchObject({ route: 4, amps: 5, pf: 0.8, lagging: false, loadOn: true });
      expect(sim.forced.get(4)).toEqual({ amps: 5, pf: 0.8, lagging: false });
      expect([...sim.forced].filter(([c, f]) => c !== 4 && f.amps !== 0)).toEqual([]);
      const measured = await load.measure();
      expect(measured.currentA).toBeCloseTo(5, 3);
      expect(measured.powerW).toBeCloseTo(207 * 5 * 0.8, 1);
    });

    it('should refuse settings outside the bench or the emulation', async () => {
      await expect(load.program({ currentA: 61, pf: 1, lagging: true })).rejects.toThrow('load current must be 0..60 A (bench limit), got 61');
      await expect(load.program({ currentA: 1, pf: 0, lagging: true })).rejects.toThrow('power factor must be in (0, 1], got 0');
      await expect(load.program({ currentA: 1, pf: 1, lagging: true, crestFactor: 3 })).rejects.toThrow('refused "CF 3": -221 Settings conflict');
      await expect(dio.route(11)).rejects.toThrow('circuit must be 1..10 or null, got 11');
    });

    it('should read the relay contacts from the sense inputs', async () => {
      sim.relays[6] = false;
      await emulated.settle();
      expect(await dio.relayContacts()).toEqual([true, true, true, true, true, true, false, true, true, true]);
      sim.relays[6] = true;
    });
  });

  describe(Sdm630Driver.name, () => {
    it('should read V, I, P, Q, S, PF, f of the routed circuit from the SDM630 input registers', async () => {
      await dio.route(4);
      await load.program({ currentA: 10, pf: 0.5, lagging: true });
      await load.setInput(true);
      await emulated.settle();
      const r = await reference.read();
      expect(r.voltageV).toBeCloseTo(207, 3);
      expect(r.currentA).toBeCloseTo(10, 4);
      expect(r.powerW).toBeCloseTo(1035, 1);
      expect(r.reactiveVar).toBeCloseTo(207 * 10 * Math.sin(Math.acos(0.5)), 0);
      expect(r.apparentVa).toBeCloseTo(2070, 1);
      expect(r.powerFactor).toBeCloseTo(0.5, 4);
      expect(r.angleDeg).toBeCloseTo(60, 2);
      expect(r.frequencyHz).toBeCloseTo(50, 4);
    });

    it('should refuse a reply with fewer values than asked for', async () => {
      // The emulated module has 128 inputs; jsmodbus answers a read beyond them with no values at all.
      const card = new DigitalIoDriver({ host: '127.0.0.1', port: ports.dio, routeCoil: 0, senseInput: 200, timeoutMs: 1000 });
      await expect(card.relayContacts()).rejects.toThrow(/digital I\/O module 127\.0\.0\.1:\d+: read discrete inputs 200\+10 returned 0 values/);
      await card.close();
    });

    it('should see no current when the routed circuit’s relay is open', async () => {
      sim.relays[3] = false;
      await emulated.settle();
      expect((await reference.read()).currentA).toBe(0);
      sim.relays[3] = true;
    });
  });

  describe('unreachable and silent Modbus instruments', () => {
    let silent: Server;
    let silentPort: number;
    beforeAll(async () => {
      silent = createServer(() => undefined); // accepts, never answers
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      silentPort = (silent.address() as { port: number }).port;
    });
    afterAll(async () => {
      silent.close();
    });

    it('should time out with the request named', async () => {
      const meter = new Sdm630Driver({ host: '127.0.0.1', port: silentPort, timeoutMs: 300 });
      const error = await meter.read().catch((e: Error) => e);
      expect(error).toBeInstanceOf(InstrumentError);
      expect((error as Error).message).toMatch(/reference meter \(SDM630\) 127\.0\.0\.1:\d+: no answer to read input registers 0\+80 within 300 ms/);
      await meter.close();
    });

    it('should say when nothing listens', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as { port: number }).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const card = new DigitalIoDriver({ host: '127.0.0.1', port, routeCoil: 0, timeoutMs: 500 });
      await expect(card.route(1)).rejects.toThrow(/cannot reach the digital I\/O module at 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
      await card.close();
    });
  });
});
