/**
 * mcconfig compiles only the modules listed in device/manifest.json, and XS resolves a relative
 * import against the importing module's NAME. So every module the entry pulls in must be listed
 * under the name its repository path gives it: `device/<path>` → `<path>`, shared/src →
 * `@dinmeter/…` (index → `@dinmeter/shared`, so `./protocol/x` → `@dinmeter/protocol/x`).
 * The lin build (the virtual board) adds its host modules, listed under the SDK names they stand
 * in for, and what they import. The SDK's build (`npm run firmware -- check` / `lin`) fails on a
 * missing module too; this spec says which one without the SDK.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const REPO = path.resolve(__dirname, '../..');
const DEVICE = path.join(REPO, 'device');
const manifest = JSON.parse(fs.readFileSync(path.join(DEVICE, 'manifest.json'), 'utf8')) as {
  modules: Record<string, string>;
  platforms: Record<string, { build?: Record<string, string>; include?: string[]; modules?: Record<string, string> }>;
};
const linModules = manifest.platforms.lin.modules ?? {};
/** Host modules of the virtual board: SDK module names served by device/platform/lin/*.host.ts. */
const hostModules = Object.entries(linModules).filter(([, source]) => source.endsWith('.host'));

function moduleName(file: string): string {
  const rel = path.relative(REPO, file).replace(/\\/g, '/').replace(/\.ts$/, '');
  if (rel.startsWith('device/')) return rel.slice('device/'.length);
  if (rel === 'shared/src/index') return '@dinmeter/shared';
  if (rel.startsWith('shared/src/')) return `@dinmeter/${rel.slice('shared/src/'.length)}`;
  throw new Error(`unexpected firmware source outside device/ and shared/src: ${rel}`);
}

/** Module name → manifest path of everything the entries import (SDK modules stay unresolved). */
function closure(entries: string[]): Map<string, string> {
  const program = ts.createProgram(entries, {
    module: ts.ModuleKind.Preserve,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
    // The host modules import firmware modules by their module names (device/platform/lin/README.md).
    paths: { '@dinmeter/shared': [path.join(REPO, 'shared/src/index.ts')], '*': [path.join(DEVICE, '*')] },
  });
  const out = new Map<string, string>();
  for (const source of program.getSourceFiles()) {
    let file = source.fileName;
    if (file.includes('node_modules')) continue;
    if (file.endsWith('.d.ts')) {
      // A native module (device/dsp/*.native): its JavaScript and C beside the declarations it is typed by.
      const js = file.replace(/\.d\.ts$/, '.js');
      if (!file.startsWith(DEVICE) || !fs.existsSync(js)) continue;
      file = js.replace(/\.js$/, '.ts');
    }
    const rel = path.relative(DEVICE, file).replace(/\\/g, '/').replace(/\.ts$/, '');
    out.set(moduleName(file), rel.startsWith('..') ? rel : `./${rel}`);
  }
  return out;
}

const main = path.join(DEVICE, 'platform/moddable/main.ts');
const esp32 = closure([main]);
const lin = closure([main, ...hostModules.map(([, source]) => path.join(DEVICE, `${source}.ts`))]);

describe('device/manifest.json', () => {
  it('should list every module the entry imports, under its repository name and path', () => {
    expect(esp32.size).toBeGreaterThan(40);
    for (const [name, source] of esp32) expect({ name, source: manifest.modules[name] }).toEqual({ name, source });
  });

  it('should list nothing the entry does not import (no test vectors, no host code)', () => {
    // SDK modules without a manifest of their own (dns/server) are listed by their SDK path.
    const extra = Object.keys(manifest.modules).filter((name) => name !== 'main' && !esp32.has(name) && !manifest.modules[name].startsWith('$(MODDABLE)'));
    expect(extra).toEqual([]);
    expect(manifest.modules.main).toBe('./platform/moddable/entry');
  });

  it('should list for lin exactly the virtual board: its host modules and what they import beyond the entry', () => {
    const hostSources = new Set(hostModules.map(([, source]) => source));
    const needed = [...lin].filter(([name, source]) => !esp32.has(name) && !hostSources.has(source));
    const listed = Object.entries(linModules).filter(([, source]) => !hostSources.has(source));
    expect(listed.sort()).toEqual(needed.sort());
    expect(hostModules.map(([name]) => name).sort()).toEqual(
      ['embedded:io/digital', 'embedded:io/i2c', 'embedded:io/spi', 'embedded:io/system', 'embedded:network/interface/wifi', 'flash', 'ota', 'preference', 'sntp'],
    );
    for (const [, source] of hostModules) expect(fs.existsSync(path.join(DEVICE, `${source}.ts`))).toBe(true);
  });

  it('should point the ESP32 build at our partition table, sdkconfig directory and the ota typings', () => {
    const build = manifest.platforms.esp32.build ?? {};
    expect(fs.existsSync(path.join(DEVICE, build.PARTITIONS_FILE))).toBe(true);
    // SDKCONFIGPATH is a DIRECTORY holding sdkconfig.defaults (Moddable documentation/tools/manifest.md).
    expect(fs.existsSync(path.join(DEVICE, build.SDKCONFIGPATH, 'sdkconfig.defaults'))).toBe(true);
    expect(manifest.platforms.esp32.include).toContain('$(MODDABLE)/build/devices/esp32/modules/ota/manifest.json');
    expect(fs.existsSync(path.join(DEVICE, `${manifest.platforms.esp32.modules?.ota}.d.ts`))).toBe(true);
  });
});
