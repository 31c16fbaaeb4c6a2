/** Node-only: finds every portable vector file (`*.xs-test.ts`) under device/ and shared/src. */
import * as fs from 'node:fs';
import * as path from 'node:path';

const SKIP = new Set(['node_modules', 'dist', '.data', '.tmp', '.git']);

export function findXsTestFiles(repoRoot: string, roots = ['device', 'shared/src']): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (SKIP.has(entry.name)) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && entry.name.endsWith('.xs-test.ts')) found.push(full);
    }
  };
  for (const root of roots) {
    const dir = path.join(repoRoot, root);
    if (fs.existsSync(dir)) walk(dir);
  }
  return found.sort();
}
