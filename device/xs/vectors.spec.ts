/**
 * Every portable vector (*.xs-test.ts under device/ and shared/src) runs twice: here in Node as
 * jest tests, and inside the real XS engine through run-xs-tests.ts (in a child process, because
 * @endo/init locks the realm down). The XS run must pass every vector, and as many as Node saw.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import type { XsTest } from './harness';
import type { XsTestResult } from './run-xs-tests';
import { findXsTestFiles } from './xs-test-files';

const REPO_ROOT = path.resolve(__dirname, '../..');
const files = findXsTestFiles(REPO_ROOT);
const suites = files.map((file) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tests = (require(file) as { default: XsTest[] }).default;
  return { file: path.relative(REPO_ROOT, file), tests };
});
const nodeCount = suites.reduce((sum, suite) => sum + suite.tests.length, 0);

describe('portable vectors in Node', () => {
  for (const { file, tests } of suites) {
    describe(file, () => {
      for (const test of tests) it(test.name, () => test.run());
    });
  }
});

describe('portable vectors in XS', () => {
  it('should pass every vector inside the XS engine, the same number as in Node', async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['-r', '@swc-node/register', 'device/xs/run-xs-tests.ts', '--json'],
        { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 },
        // The runner exits non-zero on failures; its JSON line still tells which.
        (error, out, stderr) => (out.includes('xs: ') ? resolve(out) : reject(new Error(`${error?.message ?? ''}\n${stderr}`))),
      );
    });
    const lines = stdout.trim().split('\n');
    const results = JSON.parse(lines[lines.length - 1]) as XsTestResult[];
    const failures = results.filter((r) => r.error !== undefined).map((r) => `${r.file} › ${r.name}: ${r.error}`);
    expect(failures).toEqual([]);
    expect(results).toHaveLength(nodeCount);
  }, 300_000);
});
