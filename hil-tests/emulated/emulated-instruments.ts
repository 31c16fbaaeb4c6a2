/**
 * The bench's instruments, emulated on their real protocols and wired to the simulated circuits of
 * virtual meters through the simulation control channel (device/platform/host/sim-control.ts):
 *
 *   AC source (SCPI, Chroma 61500 dialect)  → every meter's supply; output off = the meters' power cut
 *   AC load (SCPI, Chroma 63800 dialect)    → a forced current at a PF on the routed circuit of the DUT
 *   reference meter (Modbus TCP, SDM630)    ← the routed circuit's true V, I, P, Q, f; energy integrated here
 *   digital I/O (Modbus TCP)                → coils route the load; discrete inputs ← the relay contacts
 *
 * The emulation keeps what a real bench would: the load draws nothing through an open relay or a
 * dead source, and the reference meter only sees the routed circuit.
 */
import { createServer, Server, Socket } from 'node:net';
import { server as modbusServer } from 'jsmodbus';
import type { SimMeterState } from '../../device/platform/host/sim-control';
import { SDM630_INPUT_REGISTERS } from '../instruments/sdm630';
import { scpiArgBool, scpiArgNumber, ScpiError, ScpiServer } from './scpi-server';

const CIRCUITS = 10;

/** What the instruments are set to: the state of the bench. */
export interface BenchState {
  sourceOn: boolean;
  volts: number;
  hz: number;
  loadOn: boolean;
  amps: number;
  pf: number;
  lagging: boolean;
  crestFactor: number;
  /** The circuit the fixture's contactors route the load and reference to. */
  route: number | null;
}

export interface SimControlLink {
  /** The DUT's state, or undefined while its meters process is down. */
  meterState(id: string): Promise<SimMeterState | undefined>;
  setSupply(volts: number, hz: number): Promise<void>;
  forceCurrent(id: string, circuit: number, amps: number, pf: number, lagging: boolean): Promise<void>;
}

export interface EmulatedInstrumentsOptions {
  link: SimControlLink;
  /** The meter in the fixture. */
  dut: string;
  /** Called when the source output switches: the meters lose or regain their supply. */
  onPower(on: boolean): Promise<void>;
}

export interface InstrumentPorts {
  source: number;
  load: number;
  reference: number;
  dio: number;
}

export class EmulatedInstruments {
  readonly state: BenchState = { sourceOn: false, volts: 230, hz: 50, loadOn: false, amps: 0, pf: 1, lagging: true, crestFactor: Math.SQRT2, route: null };
  readonly source: ScpiServer;
  readonly load: ScpiServer;
  dut: string;
  private readonly inputRegisters = Buffer.alloc(0x200 * 2);
  private readonly discreteInputs = Buffer.alloc(16);
  private readonly coils = Buffer.alloc(16);
  private readonly modbus: { server: Server; sockets: Set<Socket> }[] = [];
  private timer?: NodeJS.Timeout;
  private last?: SimMeterState;
  private lastPollMs = 0;
  private importWh = 0;
  private exportWh = 0;
  private applied = new Map<string, string>();
  private syncing?: Promise<void>;
  private powerChange: Promise<void> = Promise.resolve();

  constructor(private readonly options: EmulatedInstrumentsOptions) {
    this.dut = options.dut;
    const s = this.state;
    this.source = new ScpiServer('Chroma ATE,61502,EMU-61502,1.00-emulated', {
      'SOUR:VOLT:AC': (a) => void (s.volts = scpiArgNumber(a, 0, 300)),
      'SOUR:FREQ': (a) => void (s.hz = scpiArgNumber(a, 45, 65)),
      OUTP: (a) => this.setPower(scpiArgBool(a)),
      'MEAS:VOLT:AC?': () => (s.sourceOn ? s.volts : 0).toFixed(2),
      'MEAS:FREQ?': () => s.hz.toFixed(3),
    });
    this.load = new ScpiServer('Chroma ATE,63803,EMU-63803,1.00-emulated', {
      MODE: (a) => {
        if (a.trim().toUpperCase() !== 'CURR') throw new ScpiError(-221, 'Settings conflict; the emulation has constant current only');
      },
      'CURR:STAT:L1': (a) => void (s.amps = scpiArgNumber(a, 0, 60)),
      PF: (a) => {
        const pf = scpiArgNumber(a, -1, 1);
        if (pf === 0) throw new ScpiError(-222, 'Data out of range');
        s.pf = Math.abs(pf);
        s.lagging = pf > 0;
      },
      CF: (a) => {
        const cf = scpiArgNumber(a, 1.414, 5);
        // The simulated circuit draws a sine: other crest factors would need harmonics it does not model.
        if (Math.abs(cf - Math.SQRT2) > 0.01) throw new ScpiError(-221, 'Settings conflict; the emulation draws a sine (CF 1.414) only');
        s.crestFactor = cf;
      },
      LOAD: (a) => void (s.loadOn = scpiArgBool(a)),
      'MEAS:CURR?': () => this.routed()?.irmsA.toFixed(4) ?? '0.0000',
      'MEAS:POW?': () => this.routed()?.powerW.toFixed(2) ?? '0.00',
    });
  }

  async start(): Promise<InstrumentPorts> {
    const source = await this.source.start();
    const load = await this.load.start();
    const reference = await this.startModbus({ input: this.inputRegisters });
    const dio = await this.startModbus({ discrete: this.discreteInputs, coils: this.coils });
    this.timer = setInterval(() => void this.sync(), 100);
    return { source, load, reference, dio };
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.syncing;
    await this.source.stop();
    await this.load.stop();
    for (const { server, sockets } of this.modbus) {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  /** Another meter in the fixture: the load and the reference follow it. */
  setDut(id: string): void {
    this.dut = id;
    this.applied.clear();
  }

  /** Waits until the current settings reached the simulation (tests of the emulation). */
  async settle(): Promise<void> {
    await this.powerChange;
    await this.sync();
    await this.sync();
  }

  /** After the meters (re)started: their simulation starts from scratch. */
  forgetApplied(): void {
    this.applied.clear();
  }

  private setPower(on: boolean): void {
    if (on === this.state.sourceOn) return;
    this.state.sourceOn = on;
    this.powerChange = this.powerChange
      .then(() => this.options.onPower(on))
      .catch((error) => void process.stderr.write(`emulated AC source: switching the meters ${on ? 'on' : 'off'} failed: ${error instanceof Error ? error.message : error}\n`));
    this.applied.clear();
  }

  private routed() {
    const c = this.state.route;
    return c === null || !this.state.sourceOn ? undefined : this.last?.circuits[c - 1];
  }

  private sync(): Promise<void> {
    this.syncing ??= this.syncOnce().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    const s = this.state;
    s.route = this.routeFromCoils();
    try {
      if (s.sourceOn) {
        await this.once('supply', `${s.volts}/${s.hz}`, () => this.options.link.setSupply(s.volts, s.hz));
        for (let c = 1; c <= CIRCUITS; c++) {
          const amps = s.loadOn && s.route === c ? s.amps : 0;
          await this.once(`c${c}`, `${this.dut}/${amps}/${s.pf}/${s.lagging}`, () => this.options.link.forceCurrent(this.dut, c, amps, s.pf, s.lagging));
        }
        this.last = await this.options.link.meterState(this.dut);
      } else {
        this.last = undefined;
      }
    } catch {
      this.last = undefined; // the meters process is (re)starting: try again next round
      this.applied.clear();
    }
    this.updateRegisters();
  }

  private async once(key: string, value: string, apply: () => Promise<void>): Promise<void> {
    if (this.applied.get(key) === value) return;
    await apply();
    this.applied.set(key, value);
  }

  private routeFromCoils(): number | null {
    const closed = [];
    for (let c = 1; c <= CIRCUITS; c++) if ((this.coils[(c - 1) >> 3] >> ((c - 1) & 7)) & 1) closed.push(c);
    return closed.length === 1 ? closed[0] : null; // two contactors closed would short circuits together: the fixture interlocks
  }

  private updateRegisters(): void {
    const now = Date.now();
    const circuit = this.routed();
    const volts = this.state.sourceOn ? (circuit?.vrms ?? this.state.volts) : 0;
    const p = circuit?.powerW ?? 0;
    const q = circuit?.reactiveVar ?? 0;
    const i = circuit?.irmsA ?? 0;
    const va = volts * i;
    if (this.lastPollMs > 0) {
      const hours = (now - this.lastPollMs) / 3_600_000;
      if (p >= 0) this.importWh += p * hours;
      else this.exportWh -= p * hours;
    }
    this.lastPollMs = now;
    const r = SDM630_INPUT_REGISTERS;
    const put = (address: number, value: number) => this.inputRegisters.writeFloatBE(value, address * 2);
    put(r.phase1VoltageV, volts);
    put(r.phase1CurrentA, i);
    put(r.phase1PowerW, p);
    put(r.phase1ApparentVa, va);
    put(r.phase1ReactiveVar, q);
    put(r.phase1PowerFactor, va > 0 ? p / va : 1);
    put(r.phase1AngleDeg, va > 0 ? (Math.atan2(q, p) * 180) / Math.PI : 0);
    put(r.frequencyHz, this.state.sourceOn ? (circuit?.freqHz ?? this.state.hz) : 0);
    put(r.importKwh, this.importWh / 1000);
    put(r.exportKwh, this.exportWh / 1000);
    this.discreteInputs.fill(0);
    for (let c = 1; c <= CIRCUITS; c++) {
      if (this.state.sourceOn && this.last?.circuits[c - 1]?.relayOn) this.discreteInputs[(c - 1) >> 3] |= 1 << ((c - 1) & 7);
    }
  }

  private async startModbus(buffers: { input?: Buffer; discrete?: Buffer; coils?: Buffer }): Promise<number> {
    const net = createServer();
    const sockets = new Set<Socket>();
    net.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    new modbusServer.TCP(net, { holding: Buffer.alloc(0), input: buffers.input ?? Buffer.alloc(0), discrete: buffers.discrete ?? Buffer.alloc(0), coils: buffers.coils ?? Buffer.alloc(0) });
    this.modbus.push({ server: net, sockets });
    await new Promise<void>((resolve, reject) => {
      net.once('error', reject);
      net.listen(0, '127.0.0.1', () => resolve());
    });
    return (net.address() as { port: number }).port;
  }
}
