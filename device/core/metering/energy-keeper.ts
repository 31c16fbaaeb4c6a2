import { TelemetryMessage } from '@dinmeter/shared';
import { SettingsStore } from '../ports';
import { EnergyCounterStore, LatestRecordSource } from '../storage/energy-counters';
import { EnergyTotals as MeteringTotals } from './metering';

/** The energy registers of the metering chain (Metering), as far as the keeper needs them. */
export interface EnergyRegisters {
  totals(): MeteringTotals[];
  restoreTotals(totals: readonly MeteringTotals[]): void;
}

export interface EnergyKeeperOptions {
  registers: EnergyRegisters;
  store: EnergyCounterStore;
  settings: SettingsStore;
  /** The flash record log: its newest record carries the totals too. */
  log: LatestRecordSource;
}

/**
 * Energy totals across reboots (core/storage/README.md "Energy counters"): restored at boot into
 * the metering chain, checkpointed from each record as it reaches flash.
 */
export class EnergyKeeper {
  constructor(private readonly o: EnergyKeeperOptions) {}

  /** Boot, after the log is open: the newest of the log's last record and the settings checkpoint. */
  restore(): void {
    const totals = this.o.store.restore(this.o.log, this.o.settings);
    this.o.registers.restoreTotals(
      totals.map((t, k): MeteringTotals => ({
        circuit: k + 1,
        importWh: t.importWh,
        exportWh: t.exportWh,
        reactiveImportVarh: t.importVarh,
        reactiveExportVarh: t.exportVarh,
      })),
    );
  }

  /** After a record is on flash: its totals (the registers' for a circuit it lacks). */
  checkpoint(record: TelemetryMessage, nowMs: number): void {
    const totals = this.o.registers.totals().map((t) => {
      const reading = record.circuits.find((c) => c.circuit === t.circuit);
      return {
        importWh: reading?.energy_import_wh ?? t.importWh,
        exportWh: reading?.energy_export_wh ?? t.exportWh,
        importVarh: reading?.reactive_import_varh ?? t.reactiveImportVarh,
        exportVarh: reading?.reactive_export_varh ?? t.reactiveExportVarh,
      };
    });
    this.o.store.checkpoint(this.o.settings, record.seq, totals, nowMs);
  }
}
