/**
 * A whole bench without hardware: the simulated rig's servers (influxd, the backend with its
 * embedded broker) and virtual meters, fed and loaded by emulated instruments on their real
 * protocols (emulated-instruments.ts). It writes a bench config file like an engineer would for a
 * real bench, so `HIL_RIG=bench` runs the same code path against it as against hardware.
 */
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIRMWARE_VERSION } from '../../device/platform/host/virtual-meter';
import { BenchConfig, parseBenchConfig } from '../rig/bench-config';
import { REPO_ROOT } from '../rig/managed-process';
import { SimulatedRig } from '../rig/simulated-rig';
import { EmulatedInstruments } from './emulated-instruments';

export interface HardwareDefect {
  meter: string;
  circuit: number;
  /** A chip fault of the simulation (sim-control.ts): 'dead', 'miso-low', 'corrupt-calibration'. */
  fault: 'dead' | 'miso-low' | 'corrupt-calibration';
}

export interface EmulatedBenchOptions {
  meters?: string[];
  /** The meter in the fixture (default the first). */
  dut?: string;
  intervalS?: number;
  /** Uncalibrated parts: each chip's gains off by up to ± this (seeded per meter). */
  frontEndTolerance?: number;
  /** Defects of the hardware itself: back after every power-on. */
  defects?: HardwareDefect[];
  /** Where production reports go; default the repository's hil-output/production (git-ignored). */
  productionOutputDir?: string;
}

export class EmulatedBench {
  readonly rig: SimulatedRig;
  readonly meters: string[];
  readonly configPath: string;
  instruments!: EmulatedInstruments;
  config!: BenchConfig;
  readonly defects: HardwareDefect[];

  constructor(private readonly options: EmulatedBenchOptions = {}) {
    this.rig = new SimulatedRig();
    this.meters = options.meters ?? ['bench-1', 'bench-2', 'bench-3'];
    this.defects = [...(options.defects ?? [])];
    this.configPath = join(this.rig.dir, 'bench.config.json');
  }

  /** Boots servers and instruments (source output off: the meters are unpowered) and writes the config file. */
  async start(): Promise<BenchConfig> {
    await this.rig.start();
    this.instruments = new EmulatedInstruments({
      dut: this.options.dut ?? this.meters[0],
      link: {
        meterState: async (id) => (this.rig.meters.running ? this.rig.meterState(id) : undefined),
        setSupply: (volts, hz) => this.rig.control('POST', '/supply', { volts, hz }),
        forceCurrent: (id, circuit, amps, pf, lagging) => this.rig.forceCurrent(id, circuit, amps, pf, lagging),
      },
      onPower: (on) => (on ? this.powerOn() : this.rig.killMeters('SIGKILL')),
    });
    const ports = await this.instruments.start();
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(join(this.rig.dir, 'station.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(join(this.rig.dir, 'rest.token'), `${this.rig.adminToken}\n`, { mode: 0o600 });
    const local = '127.0.0.1';
    const json = {
      name: 'emulated bench (virtual meters, emulated instruments)',
      backend: { restUrl: this.rig.restUrl, mqttUrl: this.rig.backendUrl, influxUrl: this.rig.influxUrl, influxDb: this.rig.db, tokenFile: 'rest.token' },
      meters: this.meters,
      dut: this.instruments.dut,
      instruments: {
        source: { host: local, port: ports.source, dialect: 'chroma-61500' },
        load: { host: local, port: ports.load, dialect: 'chroma-63800', maxCurrentA: 60 },
        reference: { host: local, port: ports.reference, unitId: 1, model: 'sdm630' },
        dio: { host: local, port: ports.dio, unitId: 1, routeCoil: 0, senseInput: 0 },
        timeoutMs: 3000,
      },
      supply: { volts: 230, hz: 50 },
      onlineTimeoutMs: 60_000,
      production: {
        firmware: FIRMWARE_VERSION,
        stationId: 'emulated-station',
        stationKeyFile: 'station.key',
        outputDir: this.options.productionOutputDir ?? join(REPO_ROOT, 'hil-output', 'production'),
      },
    };
    this.config = parseBenchConfig(json, 'emulated bench config');
    writeFileSync(this.configPath, `${JSON.stringify(json, null, 2)}\n`);
    return this.config;
  }

  /** Puts another of the bench's meters into the fixture. */
  insert(dut: string): void {
    if (!this.meters.includes(dut)) throw new Error(`${dut} is not on this bench`);
    this.instruments.setDut(dut);
  }

  async stop(): Promise<void> {
    await this.instruments?.stop();
    await this.rig.stop();
  }

  private async powerOn(): Promise<void> {
    const tolerance = this.options.frontEndTolerance ?? 0;
    await this.rig.startMeters({
      count: this.meters.length,
      ids: this.meters,
      intervalS: this.options.intervalS ?? 1,
      extraArgs: tolerance > 0 ? ['--front-end-tolerance', String(tolerance)] : [],
    });
    for (const defect of this.defects) await this.rig.chipFault(defect.meter, defect.circuit, defect.fault);
    this.instruments.forgetApplied();
  }
}
