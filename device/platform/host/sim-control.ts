/**
 * Simulation control channel of the virtual meters (`meters.ts --control-port N`): a small HTTP
 * server on 127.0.0.1 only, for tests and demos. It reads what no MQTT message can prove on its
 * own — the relay contacts of the simulated board, the true current — and injects what the
 * electricity would do (an overcurrent, a chip fault). It never talks to the firmware core except
 * to read its state: commands and plans still go through MQTT like on the real device.
 *
 *   GET  /meters                              → ["vm-1", …]
 *   GET  /meters/:id                          → SimMeterState
 *   POST /meters/:id/circuits/:c/current      {"amps": number | null, "pf"?: 0..1, "lagging"?: bool}  (null: the appliance again)
 *   POST /supply                              {"volts": number, "hz": number} | {"volts": null}  every meter's supply
 *                                             (a programmable AC source; null: the grid model again)
 *   POST /meters/:id/circuits/:c/fault        {"fault": "none" | "dead" | "miso-low" | "reset" | "corrupt-calibration"}
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { RelaysMessage } from '@dinmeter/shared';
import { CommandGateStats } from '../../core/commands/command-gate.types';
import { RelayManagerStats } from '../../core/relays/relay-manager.types';
import { SIM_CIRCUIT_COUNT } from '../../sim/simulated-board';
import { HostClock } from './host-clock';
import { VirtualMeter } from './virtual-meter';

/** A change of a relay contact as the board saw it, stamped with the meter's own wall clock. */
export interface SimRelayTransition {
  circuit: number;
  on: boolean;
  wallMs: number;
}

export interface SimCircuitState {
  circuit: number;
  /** The relay contact on the simulated board (the physical truth). */
  relayOn: boolean;
  /** The relay manager's view: state, reason, tripped, plan_version. */
  relay: RelaysMessage['circuits'][number];
  /** Electrical state over the last simulation step. */
  vrms: number;
  irmsA: number;
  powerW: number;
  reactiveVar: number;
  freqHz: number;
  /** A current forced through the control channel, if any. */
  forcedA: number | null;
  truth: { importWh: number; exportWh: number };
}

export interface SimMeterState {
  id: string;
  wallMs: number;
  planVersion: number | null;
  /** The relay manager's counters and the command gate's. */
  stats: RelayManagerStats & CommandGateStats;
  circuits: SimCircuitState[];
  /** Relay contact changes since the meter started (the last TRANSITIONS_KEPT), oldest first. */
  transitions: SimRelayTransition[];
}

const TRANSITIONS_KEPT = 500;
/** The cores tick every 50 ms: sampling the contacts twice as often sees every switching. */
const SAMPLE_MS = 25;
const BODY_LIMIT = 4096;
const FAULTS = ['none', 'dead', 'miso-low', 'reset', 'corrupt-calibration'] as const;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class SimControlServer {
  private server?: Server;
  private sampler?: NodeJS.Timeout;
  private readonly byId = new Map<string, VirtualMeter>();
  private readonly contacts = new Map<string, boolean[]>();
  private readonly transitions = new Map<string, SimRelayTransition[]>();

  constructor(
    meters: readonly VirtualMeter[],
    private readonly clock: HostClock,
  ) {
    for (const meter of meters) {
      this.byId.set(meter.deviceId, meter);
      this.transitions.set(meter.deviceId, []);
    }
  }

  /** Listens on 127.0.0.1:`port` (0 = any free port); resolves with the port. */
  async start(port: number): Promise<number> {
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`control port must be an integer 0..65535, got ${port}`);
    this.sample();
    this.sampler = setInterval(() => this.sample(), SAMPLE_MS);
    const server = createServer((request, response) => void this.handle(request, response));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    return typeof address === 'object' && address ? address.port : port;
  }

  async stop(): Promise<void> {
    if (this.sampler) clearInterval(this.sampler);
    this.sampler = undefined;
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  state(id: string): SimMeterState {
    const meter = this.meter(id);
    // Contacts and transitions from the same instant: a switching just now is in both.
    this.sample();
    const board = meter.board;
    const relays = meter.core.relays;
    const snapshot = relays.snapshot();
    return {
      id,
      wallMs: Math.round(this.clock.wallMs()),
      planVersion: relays.planVersion() ?? null,
      stats: { ...relays.stats, ...meter.core.commands.stats },
      circuits: snapshot.circuits.map((relay) => {
        const circuit = board.world.circuit(relay.circuit);
        return {
          circuit: relay.circuit,
          relayOn: circuit.relayOn,
          relay,
          vrms: circuit.state.vrms,
          irmsA: circuit.state.irms,
          powerW: circuit.state.pW,
          reactiveVar: circuit.state.qVar,
          freqHz: circuit.state.freqHz,
          forcedA: circuit.forcedCurrentA ?? null,
          truth: { importWh: circuit.truth.importWh, exportWh: circuit.truth.exportWh },
        };
      }),
      transitions: [...(this.transitions.get(id) ?? [])],
    };
  }

  private sample(): void {
    const wallMs = Math.round(this.clock.wallMs());
    for (const [id, meter] of this.byId) {
      const now = Array.from({ length: SIM_CIRCUIT_COUNT }, (_, k) => meter.board.world.circuit(k + 1).relayOn);
      const before = this.contacts.get(id);
      this.contacts.set(id, now);
      if (!before) continue;
      const log = this.transitions.get(id) as SimRelayTransition[];
      now.forEach((on, k) => {
        if (on !== before[k]) log.push({ circuit: k + 1, on, wallMs });
      });
      if (log.length > TRANSITIONS_KEPT) log.splice(0, log.length - TRANSITIONS_KEPT);
    }
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const body = await this.route(request.method ?? 'GET', request.url ?? '/', request);
      send(response, 200, body);
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      send(response, status, { message: error instanceof Error ? error.message : String(error) });
    }
  }

  private async route(method: string, url: string, request: IncomingMessage): Promise<unknown> {
    const parts = url.split('?')[0].split('/').filter(Boolean).map(decodeURIComponent);
    if (parts.length === 1 && parts[0] === 'supply' && method === 'POST') return this.supply(await readJson(request));
    if (parts[0] !== 'meters') throw new HttpError(404, `no route ${method} ${url}`);
    if (parts.length === 1 && method === 'GET') return [...this.byId.keys()];
    if (parts.length === 2 && method === 'GET') return this.state(parts[1]);
    if (parts.length === 5 && parts[2] === 'circuits' && method === 'POST') {
      const meter = this.meter(parts[1]);
      const circuit = circuitNumber(parts[3]);
      const body = await readJson(request);
      if (parts[4] === 'current') return this.forceCurrent(meter, circuit, body);
      if (parts[4] === 'fault') return this.fault(meter, circuit, body);
    }
    throw new HttpError(404, `no route ${method} ${url}`);
  }

  private forceCurrent(meter: VirtualMeter, circuit: number, body: Record<string, unknown>): unknown {
    const { amps, pf = 1, lagging = true } = body;
    if (!(amps === null || (typeof amps === 'number' && Number.isFinite(amps) && amps >= 0 && amps <= 1000))) {
      throw new HttpError(400, `amps must be null or a number from 0 to 1000, got ${JSON.stringify(amps)}`);
    }
    if (!(typeof pf === 'number' && pf >= 0 && pf <= 1)) throw new HttpError(400, `pf must be a number from 0 to 1, got ${JSON.stringify(pf)}`);
    if (typeof lagging !== 'boolean') throw new HttpError(400, `lagging must be a boolean, got ${JSON.stringify(lagging)}`);
    meter.board.world.circuit(circuit).forceCurrentA(amps ?? undefined, pf, lagging);
    return { id: meter.deviceId, circuit, forcedA: amps, pf, lagging };
  }

  private supply(body: Record<string, unknown>): unknown {
    const { volts, hz } = body;
    if (volts === null) {
      for (const meter of this.byId.values()) meter.board.world.source.setpoint = undefined;
      return { volts: null };
    }
    if (!(typeof volts === 'number' && volts >= 0 && volts <= 300)) throw new HttpError(400, `volts must be null or a number from 0 to 300, got ${JSON.stringify(volts)}`);
    if (!(typeof hz === 'number' && hz >= 45 && hz <= 65)) throw new HttpError(400, `hz must be a number from 45 to 65, got ${JSON.stringify(hz)}`);
    for (const meter of this.byId.values()) meter.board.world.source.setpoint = { volts, hz };
    return { volts, hz };
  }

  private fault(meter: VirtualMeter, circuit: number, body: Record<string, unknown>): unknown {
    const fault = body.fault;
    const faults = meter.board.faults;
    switch (fault) {
      case 'none':
      case 'dead':
      case 'miso-low':
        faults.setChipFault(circuit, fault);
        break;
      case 'reset':
        faults.resetChip(circuit);
        break;
      case 'corrupt-calibration':
        faults.corruptCalibration(circuit);
        break;
      default:
        throw new HttpError(400, `fault must be one of ${FAULTS.join(', ')}, got ${JSON.stringify(fault)}`);
    }
    return { id: meter.deviceId, circuit, fault };
  }

  private meter(id: string): VirtualMeter {
    const meter = this.byId.get(id);
    if (!meter) throw new HttpError(404, `no meter ${JSON.stringify(id)} in this process`);
    return meter;
  }
}

function circuitNumber(text: string): number {
  const circuit = Number(text);
  if (!/^\d+$/.test(text) || circuit < 1 || circuit > SIM_CIRCUIT_COUNT) {
    throw new HttpError(400, `circuit must be an integer from 1 to ${SIM_CIRCUIT_COUNT}, got ${JSON.stringify(text)}`);
  }
  return circuit;
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of request) {
    text += String(chunk);
    if (text.length > BODY_LIMIT) throw new HttpError(413, `body over ${BODY_LIMIT} bytes`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'body must be JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new HttpError(400, 'body must be a JSON object');
  return parsed as Record<string, unknown>;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}
