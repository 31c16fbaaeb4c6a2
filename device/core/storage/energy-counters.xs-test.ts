import { check, checkEqual, XsTest } from '../../xs/harness';
import { SettingsStore } from '../ports';
import { EnergyCounterStore, EnergyTotals } from './energy-counters';
import { MemoryFlash } from './memory-flash';
import { TelemetryGenerator } from './test-telemetry';
import { boot, cutDuring } from './testing';

class MemorySettings implements SettingsStore {
  readonly values = new Map<string, string>();
  writes = 0;
  get(key: string): string | undefined {
    return this.values.get(key);
  }
  set(key: string, value: string): void {
    this.writes++;
    this.values.set(key, value);
  }
  delete(key: string): void {
    this.values.delete(key);
  }
}

function totalsOf(gen: TelemetryGenerator): EnergyTotals[] {
  return gen.importMWh.map((mwh, i) => ({ importWh: mwh / 1000, exportWh: gen.exportMWh[i] / 1000, importVarh: 0, exportVarh: 0 }));
}

const tests: XsTest[] = [
  {
    name: 'totals restore from the newest record on flash, never counting energy twice',
    run() {
      const flash = new MemoryFlash({ byteLength: 8 * 4096 });
      const settings = new MemorySettings();
      const gen = new TelemetryGenerator({ circuits: 10, seed: 31 });
      const log = boot(flash);
      for (let i = 0; i < 50; i++) log.append(gen.next());
      const durable = totalsOf(gen);
      // The next record is torn by a power cut: its interval's energy is lost, not doubled.
      flash.cut.armPowerCut({ afterBytes: 40 });
      check(cutDuring(() => log.append(gen.next())), 'cut');
      const store = new EnergyCounterStore({ circuits: 10 });
      const totals = store.restore(boot(flash), settings);
      checkEqual(store.restoredFrom, 'log', 'source');
      checkEqual(store.restoredSeq, 50, 'seq');
      checkEqual(JSON.stringify(totals), JSON.stringify(durable), 'totals');
    },
  },
  {
    name: 'totals survive the log being fully acked and erased, via the checkpoint',
    run() {
      const settings = new MemorySettings();
      const gen = new TelemetryGenerator({ circuits: 10, seed: 32 });
      let log = boot(new MemoryFlash({ byteLength: 8 * 4096 }));
      const store = new EnergyCounterStore({ circuits: 10, checkpointIntervalMs: 60_000 });
      let seq = 0;
      for (let i = 0; i < 30; i++) {
        seq = log.append(gen.next());
        store.checkpoint(settings, seq, totalsOf(gen), gen.tsMs);
      }
      log.ack(seq);
      checkEqual(settings.writes, 4, 'one checkpoint a minute after the first call');
      store.checkpoint(settings, seq, totalsOf(gen), gen.tsMs, true);
      // The partition is lost (replaced, reformatted): only the checkpoint remains.
      log = boot(new MemoryFlash({ byteLength: 8 * 4096 }));
      const restored = new EnergyCounterStore({ circuits: 10 });
      const totals = restored.restore(log, settings);
      checkEqual(restored.restoredFrom, 'checkpoint', 'source');
      checkEqual(JSON.stringify(totals), JSON.stringify(totalsOf(gen)), 'totals');
    },
  },
  {
    name: 'the newer of record and checkpoint wins; a malformed checkpoint is ignored',
    run() {
      const settings = new MemorySettings();
      const gen = new TelemetryGenerator({ circuits: 2, seed: 33 });
      const log = boot(new MemoryFlash({ byteLength: 8 * 4096 }), 2);
      const store = new EnergyCounterStore({ circuits: 2 });
      const old = log.append(gen.next());
      store.checkpoint(settings, old, totalsOf(gen), 0, true);
      log.append(gen.next());
      checkEqual(JSON.stringify(store.restore(log, settings)), JSON.stringify(totalsOf(gen)), 'record is newer');
      checkEqual(store.restoredFrom, 'log', 'source');
      settings.set('energy', 'garbage;;');
      checkEqual(store.restore(boot(new MemoryFlash({ byteLength: 8 * 4096 }), 2), settings)[0].importWh, 0, 'nothing known');
      checkEqual(store.restoredFrom, 'none', 'source');
    },
  },
  {
    name: 'a boot loop does not wear the settings store',
    run() {
      const settings = new MemorySettings();
      for (let bootCount = 0; bootCount < 100; bootCount++) {
        new EnergyCounterStore({ circuits: 1 }).checkpoint(settings, 1, [{ importWh: 1, exportWh: 0, importVarh: 0, exportVarh: 0 }], bootCount * 10_000);
      }
      checkEqual(settings.writes, 0, 'writes');
    },
  },
];

export default tests;
