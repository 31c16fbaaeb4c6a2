import type { AlertKindName } from '@dinmeter/shared';
import type { Anomaly, AnomalySettings } from './analysis/anomaly-detector';
import type { Baseline } from './analysis/baseline';
import type { IdleWindow, Run } from './analysis/runs';
import type { ApplianceSignature } from './analysis/signatures';

/** A completed run as stored: the appliance it was recognised as (absent: none yet). */
export interface StoredRun extends Run {
  appliance?: string;
}

export interface KnownAppliance {
  id: string;
  /** Given by a user (PUT …/appliances/:applianceId); unnamed ones are candidates. */
  name?: string;
  signature: ApplianceSignature;
  cyclic: boolean;
  intervalS?: number;
}

/** What the backend keeps per circuit (DATA_DIR/appliances.json). */
export interface CircuitHistory {
  device: string;
  circuit: number;
  runs: StoredRun[];
  idle: IdleWindow[];
  appliances: KnownAppliance[];
  nextId: number;
  baseline?: Baseline;
  learntAt?: number;
  alerts: (Anomaly & { id: string; raisedAt: number })[];
  /** A user's tuning: overrides of the detector's defaults, and kinds never raised. */
  settings?: CircuitAnomalySettings;
}

export type CircuitAnomalySettings = Partial<Omit<AnomalySettings, 'minChange'>> & { minChange?: Partial<AnomalySettings['minChange']>; muted?: AlertKindName[] };

export interface AppliancesFile {
  version: 1;
  circuits: CircuitHistory[];
}

export const APPLIANCES_REPOSITORY = Symbol('APPLIANCES_REPOSITORY');
export interface AppliancesRepository {
  load(fallback: AppliancesFile): AppliancesFile;
  save(data: AppliancesFile): void;
  flush(): void;
}
