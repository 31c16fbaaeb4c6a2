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

/** What the registry keeps of a removed meter, until its birth registers it again (docs/homeassistant.md). */
export interface RemovedDevice {
  id: string;
  removedAt: number;
}

/** The registry's storage: `save()` queues one device's durable state and never touches the disk itself. */
export interface DeviceRegistryRepository {
  /** The registered meters, and the removed ones not registered again since. */
  load(): { devices: StoredDevice[]; removed: RemovedDevice[] };
  /** Also ends a removal: the device is registered again. */
  save(device: StoredDevice): void;
  /** Forgets one device's state but remembers its removal (queued like save). */
  remove(removed: RemovedDevice): void;
  flush(): void;
}
export const DEVICE_REGISTRY_REPOSITORY = Symbol('DEVICE_REGISTRY_REPOSITORY');
