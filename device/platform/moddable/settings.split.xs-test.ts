/**
 * SplitSettings (settings.split.ts): large values go to a file, small ones to NVS, and a power cut
 * between any two storage operations leaves either the old or the new value readable — never a
 * mix, never nothing. Portable: runs in Node and in XS (npm test).
 */
import { check, checkEqual, checkThrows, XsTest } from '../../xs/harness';
import { BlobStore, IN_FILE_MARKER, SmallValueStore, SplitSettings } from './settings.split';

class PowerCut extends Error {}

/** Counts storage mutations; the mutation numbered `cutAt` does not happen and throws PowerCut. */
class Power {
  steps = 0;
  cutAt = Infinity;
  step(): void {
    if (this.steps++ === this.cutAt) throw new PowerCut('power cut');
  }
}

class MemoryNvs implements SmallValueStore {
  readonly values = new Map<string, string>();
  constructor(private readonly power: Power) {}
  get(key: string): string | undefined {
    return this.values.get(key);
  }
  set(key: string, value: string): void {
    if (value.length > 3999) throw new RangeError('NVS string too long');
    this.power.step();
    this.values.set(key, value);
  }
  delete(key: string): void {
    this.power.step();
    this.values.delete(key);
  }
}

/** Like LittleFS with write-temp-then-rename: a write is all or nothing. */
class MemoryFiles implements BlobStore {
  readonly files = new Map<string, string>();
  constructor(private readonly power: Power) {}
  read(name: string): string | undefined {
    return this.files.get(name);
  }
  write(name: string, value: string): void {
    this.power.step();
    this.files.set(name, value);
  }
  remove(name: string): void {
    this.power.step();
    this.files.delete(name);
  }
}

function rig() {
  const power = new Power();
  const nvs = new MemoryNvs(power);
  const files = new MemoryFiles(power);
  return { power, nvs, files, settings: new SplitSettings(nvs, files) };
}

/** A relay plan of about 60 KB, the size the relay manager may store under rl.plan. */
const LARGE = `{"v":1,"version":7,"circuits":[${Array.from({ length: 2000 }, (_, k) => `{"start":${k * 900},"end":${k * 900 + 450}}`).join(',')}]}`;
const LARGE_2 = LARGE.replace('"version":7', '"version":8');
const SMALL = '{"v":1,"version":9,"circuits":[]}';

/** Every cut point of `change`, then a reboot: the value must be `before` or `after`. */
function checkCuts(name: string, before: string | undefined, change: (s: SplitSettings) => void, after: string | undefined): void {
  for (let cutAt = 0; cutAt < 4; cutAt++) {
    const r = rig();
    if (before !== undefined) r.settings.set('rl.plan', before);
    r.power.steps = 0;
    r.power.cutAt = cutAt;
    let completed = true;
    try {
      change(r.settings);
    } catch (error) {
      if (!(error instanceof PowerCut)) throw error;
      completed = false;
    }
    const rebooted = new SplitSettings(r.nvs, r.files).get('rl.plan');
    check(rebooted === before || rebooted === after, `${name}, cut at step ${cutAt}: read back neither the old nor the new value`);
    if (completed) checkEqual(rebooted, after, `${name}, completed at step ${cutAt}`);
  }
}

const tests: XsTest[] = [
  {
    name: 'settings: a 60 KB plan goes to a file, NVS keeps only a marker',
    run() {
      const { settings, nvs, files } = rig();
      check(LARGE.length > 50_000, 'the plan is large');
      settings.set('rl.plan', LARGE);
      checkEqual(nvs.values.get('rl.plan'), IN_FILE_MARKER);
      checkEqual(files.files.get('rl.plan'), LARGE);
      checkEqual(settings.get('rl.plan'), LARGE);
    },
  },
  {
    name: 'settings: small values stay in NVS and a shrinking value removes its file',
    run() {
      const { settings, nvs, files } = rig();
      settings.set('rl.state', '0101010101');
      checkEqual(nvs.values.get('rl.state'), '0101010101');
      checkEqual(files.files.size, 0);
      settings.set('rl.plan', LARGE);
      settings.set('rl.plan', SMALL);
      checkEqual(settings.get('rl.plan'), SMALL);
      check(!files.files.has('rl.plan'), 'file removed');
      settings.delete('rl.state');
      checkEqual(settings.get('rl.state'), undefined);
    },
  },
  {
    name: 'settings: replacing a large value rewrites the file, not NVS',
    run() {
      const { settings, power } = rig();
      settings.set('rl.plan', LARGE);
      power.steps = 0;
      settings.set('rl.plan', LARGE_2);
      checkEqual(power.steps, 1, 'one file write, no NVS write');
      checkEqual(settings.get('rl.plan'), LARGE_2);
    },
  },
  {
    name: 'settings: deleting a large value removes the marker and the file',
    run() {
      const { settings, nvs, files } = rig();
      settings.set('rl.plan', LARGE);
      settings.delete('rl.plan');
      checkEqual(settings.get('rl.plan'), undefined);
      check(!nvs.values.has('rl.plan') && !files.files.has('rl.plan'), 'both gone');
    },
  },
  {
    name: 'settings: a value that looks like the marker is stored in a file, not mistaken for one',
    run() {
      const { settings } = rig();
      settings.set('x', IN_FILE_MARKER);
      checkEqual(settings.get('x'), IN_FILE_MARKER);
    },
  },
  {
    name: 'settings: a power cut at any step leaves the old or the new value',
    run() {
      checkCuts('absent → large', undefined, (s) => s.set('rl.plan', LARGE), LARGE);
      checkCuts('small → large', SMALL, (s) => s.set('rl.plan', LARGE), LARGE);
      checkCuts('large → large', LARGE, (s) => s.set('rl.plan', LARGE_2), LARGE_2);
      checkCuts('large → small', LARGE, (s) => s.set('rl.plan', SMALL), SMALL);
      checkCuts('large → deleted', LARGE, (s) => s.delete('rl.plan'), undefined);
    },
  },
  {
    name: 'settings: keys follow NVS rules (1..15 characters, file-safe)',
    run() {
      const { settings } = rig();
      checkThrows(() => settings.set('a-key-that-is-too-long', 'x'), /1\.\.15/);
      checkThrows(() => settings.get(''), /1\.\.15/);
      checkThrows(() => settings.set('../etc', 'x'), /1\.\.15/);
      checkThrows(() => new SplitSettings(new MemoryNvs(new Power()), new MemoryFiles(new Power()), { inlineLimit: 5000 }), /inlineLimit/);
    },
  },
];

export default tests;
