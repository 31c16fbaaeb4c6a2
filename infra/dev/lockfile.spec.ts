/**
 * `npm ci` accepts package-lock.json only when every optional dependency of every locked package is
 * locked too, on every platform: a lockfile written where the registry lacked, say,
 * @swc/core-darwin-arm64 passes `npm ci` on Linux and fails it on macOS (and on a fresh Linux clone
 * with npm ≥ 11, which checks all platforms). This check is what `npm ci` does, without the network.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface LockedPackage {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const lock = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package-lock.json'), 'utf8')) as {
  lockfileVersion: number;
  packages: Record<string, LockedPackage>;
};

/** Where npm would resolve `name` from the package at `from`: nearest node_modules walking up. */
function resolve(from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!base) return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut < 0 ? '' : base.slice(0, cut);
  }
}

describe('package-lock.json', () => {
  it('should be lockfile version 3', () => {
    expect(lock.lockfileVersion).toBe(3);
  });

  it('should lock every optional dependency for every platform', () => {
    const missing: string[] = [];
    for (const [path, pkg] of Object.entries(lock.packages)) {
      for (const name of Object.keys(pkg.optionalDependencies ?? {})) {
        if (!resolve(path, name)) missing.push(`${name} (optional dependency of ${path || 'the root'})`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('should lock every regular dependency', () => {
    const missing: string[] = [];
    for (const [path, pkg] of Object.entries(lock.packages)) {
      if (path.includes('node_modules/') === false && path !== '') continue; // workspace folders are links
      for (const name of Object.keys(pkg.dependencies ?? {})) {
        if (!resolve(path, name)) missing.push(`${name} (dependency of ${path || 'the root'})`);
      }
    }
    expect(missing).toEqual([]);
  });
});
