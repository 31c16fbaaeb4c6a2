/**
 * The HIL rig: what a scenario needs from the system under test, whether that is the simulated rig
 * (real influxd, real broker, the real backend process, virtual meters with simulated loads) or a
 * bench with real meters (bench-rig.ts). Scenarios are written against this interface only.
 */
export interface MeterSetup {
  count: number;
  intervalS: number;
  /** Simulated seconds per real second (virtual meters only). */
  speed?: number;
  /** Simulated start instant (ms), e.g. a day ago. */
  startMs?: number;
  ids?: string[];
  extraArgs?: string[];
}

export interface Rig {
  readonly restUrl: string;
  readonly mqttUrl: string;
  readonly influxUrl: string;
  readonly db: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  startMeters(setup: MeterSetup): Promise<void>;
  /** Power-cut style: SIGKILL by default. */
  killMeters(signal?: NodeJS.Signals): Promise<void>;
  stopMeters(): Promise<void>;
  startBackend(env?: Record<string, string>): Promise<void>;
  killBackend(signal?: NodeJS.Signals): Promise<void>;
  stopInflux(): Promise<void>;
  startInflux(): Promise<void>;
  /** Raw InfluxQL against the rig's database; returns the first series' rows as objects. */
  influxQuery(q: string): Promise<Record<string, unknown>[]>;
}
