/**
 * Writes the portal's per-circuit setup where the core reads it at boot: the relay configuration
 * (label, power-on state, failsafe) through the relay store, the CT model's calibration from the
 * shared CT table (the same the web app sends, docs/commissioning.md) through the calibration
 * settings (merged into what the unit was calibrated with; the chip gets it at the next boot), and
 * whether the circuit has a relay (config `relayFitted`, the setting the
 * web app's circuit setup sends).
 */
import { CIRCUIT_COUNT, CircuitConfig, ctCalibration, ctModel } from '@dinmeter/shared';
import { CalibrationSettings } from '../metering/calibration-settings';
import type { SettingsStore } from '../ports';
import { mergeConfig } from '../relays/relay-config';
import { RelayStore } from '../relays/relay-store';
import type { CircuitSetup } from './setup-form';

/**
 * Validates everything first, then writes; throws (with the circuit) before any write when a
 * value is refused, so a bad setup leaves the settings as they were.
 */
export function saveCircuitSetup(settings: SettingsStore, circuits: readonly CircuitSetup[]): void {
  if (circuits.length !== CIRCUIT_COUNT) throw new RangeError(`expected ${CIRCUIT_COUNT} circuits, got ${circuits.length}`);
  const writeErrors: string[] = [];
  const store = new RelayStore(settings, CIRCUIT_COUNT, (key, message) => writeErrors.push(`${key}: ${message}`));
  const stored = store.load().configs;
  const planned = circuits.map((c) => {
    const model = ctModel(c.ctModel);
    if (!model) throw new RangeError(`circuit ${c.circuit}: unknown CT model "${c.ctModel}"`);
    const calibration = ctCalibration(model);
    // Without a relay the circuit is always live: report it on, and nothing to switch on heartbeat loss.
    const update: CircuitConfig = c.relayFitted
      ? { label: c.label ?? '', relayFitted: true, powerOnState: c.powerOnState, failsafe: c.failsafe }
      : { label: c.label ?? '', relayFitted: false, powerOnState: 'on', failsafe: { mode: 'hold', afterSeconds: c.failsafe.afterSeconds } };
    const merged = mergeConfig(stored[c.circuit - 1], update);
    if (!merged.ok) throw new RangeError(`circuit ${c.circuit}: ${merged.errors.join('; ')}`);
    return { circuit: c.circuit, config: merged.value, calibration };
  });
  // Validated and merged with the saved calibration by CalibrationSettings; no chip to apply it to yet.
  const calibrations = new CalibrationSettings({ setCalibration: () => true }, settings);
  for (const p of planned) {
    store.saveConfig(p.circuit, p.config);
    const refused = calibrations.apply(p.circuit, p.calibration);
    if (refused !== undefined) writeErrors.push(`circuit ${p.circuit} calibration: ${refused}`);
  }
  if (writeErrors.length > 0) throw new Error(`could not store the circuit setup: ${writeErrors.join('; ')}`);
}

