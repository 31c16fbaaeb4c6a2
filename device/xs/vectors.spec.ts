/**
 * Every portable vector (*.xs-test.ts under device/ and shared/src) runs twice: here in Node as
 * jest tests, and inside the real XS engine through run-xs-tests.ts (in a child process, because
 * @endo/init locks the realm down). The XS run must pass every vector, and as many as Node saw.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import type { XsTest } from './harness';
import { shardOf, type XsTestResult } from './run-xs-tests';
import { findXsTestFiles } from './xs-test-files';

const REPO_ROOT = path.resolve(__dirname, '../..');
const files = findXsTestFiles(REPO_ROOT);
const suites = files.map((file) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tests = (require(file) as { default: XsTest[] }).default;
  return { file: path.relative(REPO_ROOT, file), tests };
});

describe('portable vectors in Node', () => {
  for (const { file, tests } of suites) {
    describe(file, () => {
      for (const test of tests) it(test.name, () => test.run());
    });
  }
});

/** The XS run is split so each part stays well inside its timeout on a loaded machine. */
const XS_SHARDS = 4;

describe('portable vectors in XS', () => {
  const shardCounts = Array.from({ length: XS_SHARDS }, (_, k) =>
    suites.filter((_, i) => i % XS_SHARDS === k).reduce((sum, suite) => sum + suite.tests.length, 0),
  );
  for (let shard = 0; shard < XS_SHARDS; shard++) {
    it(`should pass every vector of part ${shard + 1}/${XS_SHARDS} inside the XS engine, the same number as in Node`, async () => {
      const stdout = await new Promise<string>((resolve, reject) => {
        execFile(
          process.execPath,
          ['-r', '@swc-node/register', 'device/xs/run-xs-tests.ts', '--json', '--shard', `${shard}/${XS_SHARDS}`],
          { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 },
          // The runner exits non-zero on failures; its JSON line still tells which.
          (error, out, stderr) => (out.includes('xs: ') ? resolve(out) : reject(new Error(`${error?.message ?? ''}\n${stderr}`))),
        );
      });
      const lines = stdout.trim().split('\n');
      const results = JSON.parse(lines[lines.length - 1]) as XsTestResult[];
      const failures = results.filter((r) => r.error !== undefined).map((r) => `${r.file} › ${r.name}: ${r.error}`);
      expect(failures).toEqual([]);
      expect(results).toHaveLength(shardCounts[shard]);
    }, 300_000);
  }

  it('should split the files into parts that cover each file exactly once', () => {
    const parts = Array.from({ length: XS_SHARDS }, (_, k) => shardOf(files, k, XS_SHARDS));
    expect(parts.flat().sort()).toEqual([...files].sort());
    expect(() => shardOf(files, XS_SHARDS, XS_SHARDS)).toThrow(/shard/);
  });
});
