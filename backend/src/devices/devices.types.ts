import { CircuitHealth, CircuitReading, RelayCircuitState } from '@dinmeter/shared';

export interface CircuitView {
  circuit: number;
  label?: string;
  /** Latest reading and its record time (ms). */
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
  lastTelemetrySeq?: number;
  lastTelemetryTs?: number;
  circuits: CircuitView[];
  planVersion?: number;
  /** The meter's shortest failsafe.afterSeconds, from its status (the heartbeat cadence follows it). */
  failsafeMinS?: number;
}

export interface DeviceRegistryFile {
  version: 1;
  devices: DeviceRecord[];
}

export interface DeviceRegistryRepository {
  load(fallback: DeviceRegistryFile): DeviceRegistryFile;
  save(data: DeviceRegistryFile): void;
  flush(): void;
}
export const DEVICE_REGISTRY_REPOSITORY = Symbol('DEVICE_REGISTRY_REPOSITORY');
