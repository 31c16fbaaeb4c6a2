import type { CalibrationParams, CircuitHealth, CircuitReading, RelayCircuitState } from '@dinmeter/shared';
import type { CtFlag } from './ct-check';

/** The CT a circuit has until an installer says otherwise: the board's nominal one (docs/commissioning.md). */
export const DEFAULT_CT_MODEL = 'SCT-013-000';

export interface StoredCircuitSetup {
  /** Confirmed by the meter's ack of the calibration computed from it. */
  ctModel?: string;
  ctReversed?: boolean;
  /** The last calibration the meter acknowledged (from this module or POST …/calibrate): a CT flip keeps it. */
  calibration?: CalibrationParams;
  /** Backend-only: no relay module on this circuit, so no relay test or switching in the web app. */
  relayFitted?: boolean;
  pending?: { commandId: string; ctModel?: string; ctReversed: boolean };
  lastError?: string;
}

export interface CircuitSetupFile {
  version: 1;
  circuits: Record<string, StoredCircuitSetup>;
}

export const CIRCUIT_SETUP_REPOSITORY = Symbol('CIRCUIT_SETUP_REPOSITORY');

/** One circuit as the commissioning web app shows it. */
export interface CircuitSetupView {
  circuit: number;
  label?: string;
  ctModel: string;
  ctReversed: boolean;
  relayFitted: boolean;
  pendingCommandId?: string;
  lastError?: string;
  reading?: CircuitReading;
  readingTs?: number;
  relay?: RelayCircuitState;
  health?: CircuitHealth;
  flags: CtFlag[];
}

export interface DeviceSetupView {
  id: string;
  online: boolean;
  lastTelemetryTs?: number;
  circuits: CircuitSetupView[];
}
