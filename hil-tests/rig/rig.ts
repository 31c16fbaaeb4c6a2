/**
 * The HIL rig: what a scenario needs from the system under test, whether that is the simulated rig
 * (real influxd, real broker, the real backend process, virtual meters with simulated loads) or a
 * bench with real meters and instruments (bench-rig.ts). Scenarios are written against this
 * interface only; what a rig cannot do is a capability it does not declare, and a scenario that
 * needs it is skipped on that rig with the reason in its title (capabilities.ts).
 */
import type { ReferenceReading } from '../instruments/sdm630';

export interface MeterSetup {
  count: number;
  intervalS: number;
  /** Simulated seconds per real second (virtual meters only: capability `time-warp`). */
  speed?: number;
  /** Simulated start instant (ms), e.g. a day ago (`time-warp`). */
  startMs?: number;
  /** Meters of one's own naming (`named-meters`); a bench uses its own. */
  ids?: string[];
  /** Virtual-meter options such as --journal, --power-cut (`meter-journal`, `flash-power-cut`). */
  extraArgs?: string[];
}

export const RIG_CAPABILITIES = {
  'power-cut': 'cut the meters’ supply (killMeters) and restore it',
  'clean-stop': 'stop the meters cleanly and read their final counters',
  'backend-restart': 'kill and restart the backend process',
  'backend-config': 'start the backend with the scenario’s own settings',
  'influx-restart': 'stop and start InfluxDB',
  'broker-restart': 'stop and start an external MQTT broker',
  'second-backend': 'run a second backend instance',
  'time-warp': 'run meters faster than real time or from another start instant',
  'meter-journal': 'have the meters journal every record they create',
  'flash-power-cut': 'cut the power inside a flash write',
  'sim-inspect': 'read the board’s true relay contacts and currents, force currents and chip faults',
  'named-meters': 'start meters with ids of the scenario’s choosing',
  instruments: 'an AC source, an electronic load and a reference meter on the meter in the fixture',
} as const;

export type RigCapability = keyof typeof RIG_CAPABILITIES;

export interface LoadPoint {
  currentA: number;
  /** 0 < pf ≤ 1 */
  pf: number;
  /** Inductive (current lags) or capacitive. */
  lagging: boolean;
}

/** Source, load and reference meter wired to one meter (the DUT in the fixture). */
export interface RigInstruments {
  /** The meter the load and the reference meter are wired to. */
  readonly dut: string;
  /** Identification strings of the instruments, for reports. */
  identify(): Promise<Record<string, string>>;
  setSupply(volts: number, hz: number): Promise<void>;
  /** Routes the load to `circuit` of the DUT and draws `point` (every other circuit draws nothing). */
  applyLoad(circuit: number, point: LoadPoint): Promise<void>;
  loadOff(): Promise<void>;
  /** The reference meter on the routed circuit. */
  readReference(): Promise<ReferenceReading>;
  /** The DUT's relay contacts as sensed by the fixture; undefined when the bench has no sense inputs. */
  relayContacts(): Promise<boolean[] | undefined>;
  close(): Promise<void>;
}

export interface Rig {
  readonly kind: 'sim' | 'bench';
  readonly capabilities: ReadonlySet<RigCapability>;
  readonly restUrl: string;
  readonly mqttUrl: string;
  /** The broker URL with the backend's login in it (mqtt://user:password@host:port): observers, forged commands. */
  readonly backendUrl: string;
  readonly influxUrl: string;
  readonly db: string;
  /** The meters of the last startMeters, in order. */
  readonly meterIds: readonly string[];
  /** Present when the rig has `instruments`. */
  readonly instruments?: RigInstruments;
  start(): Promise<void>;
  stop(): Promise<void>;
  startMeters(setup: MeterSetup): Promise<void>;
  /** A power cut (SIGKILL on the simulated rig, the source's output off on a bench). */
  killMeters(signal?: NodeJS.Signals): Promise<void>;
  stopMeters(): Promise<void>;
  startBackend(env?: Record<string, string>): Promise<void>;
  killBackend(signal?: NodeJS.Signals): Promise<void>;
  stopInflux(): Promise<void>;
  startInflux(): Promise<void>;
  /** Raw InfluxQL against the rig's database; returns the rows of every series as objects. */
  influxQuery(q: string): Promise<Record<string, unknown>[]>;
  rest<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** A login for a test playing meter `id` (provisioned through the backend's registry). */
  deviceLogin(id: string): Promise<{ username: string; password: string }>;
}
