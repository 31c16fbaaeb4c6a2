import { CircuitHealth, CircuitReading, RelayCircuitState } from '@dinmeter/shared';

export interface CircuitView {
  circuit: number;
  label?: string;
  /** Latest reading and its record time (ms): memory only, InfluxDB has them (not restored on restart). */
  reading?: CircuitReading;
  readingTs?: number;
  relay?: RelayCircuitState;
  health?: CircuitHealth;
}

export interface DeviceRecord {
  id: string;
  online: boolean;
  /** Last message of any kind (ms). */
  lastSeen?: number;
  firstSeen: number;
  firmware?: string;
  bootId?: string;
  bootTs?: number;
  /** Memory only, like the readings. */
  lastTelemetrySeq?: number;
  lastTelemetryTs?: number;
  /** Holes detected in the meter's seqs since this backend started, by every instance (memory only). */
  telemetryGaps?: number;
  circuits: CircuitView[];
  planVersion?: number;
  /** The meter's shortest failsafe.afterSeconds, from its status (the heartbeat cadence follows it). */
  failsafeMinS?: number;
}

/** What survives a restart: identity, firmware, relay states, chip health, labels (never readings). */
export type StoredCircuit = Omit<CircuitView, 'reading' | 'readingTs'>;
export type StoredDevice = Omit<DeviceRecord, 'circuits' | 'lastTelemetrySeq' | 'lastTelemetryTs' | 'telemetryGaps'> & { circuits: StoredCircuit[] };

/** The registry's storage: `save()` queues one device's durable state and never touches the disk itself. */
export interface DeviceRegistryRepository {
  load(): StoredDevice[];
  save(device: StoredDevice): void;
  /** Forgets one device (queued like save). */
  remove(id: string): void;
  flush(): void;
}
export const DEVICE_REGISTRY_REPOSITORY = Symbol('DEVICE_REGISTRY_REPOSITORY');
