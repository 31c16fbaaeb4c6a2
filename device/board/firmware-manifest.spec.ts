/**
 * mcconfig compiles only the modules listed in device/manifest.json, and XS resolves a relative
 * import against the importing module's NAME. So every module the ESP32 entry pulls in must be
 * listed under the name its repository path gives it: `device/<path>` → `<path>`, shared/src →
 * `@dinmeter/…` (index → `@dinmeter/shared`, so `./protocol/x` → `@dinmeter/protocol/x`).
 * The closure is the program tsc builds from device/platform/moddable/tsconfig.json.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const REPO = path.resolve(__dirname, '../..');
const manifest = JSON.parse(fs.readFileSync(path.join(REPO, 'device/manifest.json'), 'utf8')) as {
  modules: Record<string, string>;
  platforms: Record<string, { build?: Record<string, string>; include?: string[] }>;
};

function moduleName(file: string): string {
  const rel = path.relative(REPO, file).replace(/\\/g, '/').replace(/\.ts$/, '');
  if (rel.startsWith('device/')) return rel.slice('device/'.length);
  if (rel === 'shared/src/index') return '@dinmeter/shared';
  if (rel.startsWith('shared/src/')) return `@dinmeter/${rel.slice('shared/src/'.length)}`;
  throw new Error(`unexpected firmware source outside device/ and shared/src: ${rel}`);
}

function firmwareClosure(): Map<string, string> {
  const configPath = path.join(REPO, 'device/platform/moddable/tsconfig.json');
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, path.dirname(configPath));
  // Only what the entry imports: the test vectors in `files` are not firmware.
  const program = ts.createProgram([path.join(REPO, 'device/platform/moddable/main.ts')], parsed.options);
  const out = new Map<string, string>();
  for (const source of program.getSourceFiles()) {
    const file = source.fileName;
    if (file.includes('node_modules') || file.endsWith('.d.ts')) continue;
    out.set(moduleName(file), path.relative(path.join(REPO, 'device'), file).replace(/\\/g, '/').replace(/\.ts$/, ''));
  }
  return out;
}

describe('device/manifest.json', () => {
  const closure = firmwareClosure();

  it('should list every module the ESP32 entry imports, under its repository name and path', () => {
    expect(closure.size).toBeGreaterThan(40);
    for (const [name, source] of closure) {
      expect({ name, source: manifest.modules[name] }).toEqual({ name, source: source.startsWith('..') ? source : `./${source}` });
    }
  });

  it('should list nothing the entry does not import (no test vectors, no host code)', () => {
    const extra = Object.keys(manifest.modules).filter((name) => name !== 'main' && !closure.has(name));
    expect(extra).toEqual([]);
    expect(manifest.modules.main).toBe('./platform/moddable/entry');
  });

  it('should point the ESP32 build at our partition table and sdkconfig directory', () => {
    const build = manifest.platforms.esp32.build ?? {};
    expect(fs.existsSync(path.join(REPO, 'device', build.PARTITIONS_FILE))).toBe(true);
    // SDKCONFIGPATH is a DIRECTORY holding sdkconfig.defaults (Moddable documentation/tools/manifest.md).
    expect(fs.existsSync(path.join(REPO, 'device', build.SDKCONFIGPATH, 'sdkconfig.defaults'))).toBe(true);
    expect(manifest.platforms.esp32.include).toContain('$(MODDABLE)/build/devices/esp32/modules/ota/manifest.json');
  });
});
