/**
 * `npm run test:xs`: bundles every *.xs-test.ts (device/, shared/src) with esbuild and runs the
 * vectors inside the real XS engine (@agoric/xsnap). Prints each failure, then
 * `xs: N passed, M failed`; exits non-zero on any failure. `--json` adds a last line with the
 * per-test results (device/xs/vectors.spec.ts reads it).
 */
import * as path from 'node:path';
import { runCli } from '../../shared/node/cli';
import { bundleForXs, REPO_ROOT, startXs, XS_REPORT_PRELUDE } from './xs-engine';
import { findXsTestFiles } from './xs-test-files';

export interface XsTestResult {
  file: string;
  name: string;
  error?: string;
}

export async function runXsTests(files = findXsTestFiles(REPO_ROOT)): Promise<XsTestResult[]> {
  const imports = files.map((file, k) => `import t${k} from ${JSON.stringify(file)};`).join('\n');
  const table = files.map((file, k) => `[${JSON.stringify(path.relative(REPO_ROOT, file))}, t${k}]`).join(',\n');
  const entry = `${imports}
${XS_REPORT_PRELUDE}
const suites: [string, { name: string; run(): void }[]][] = [${table}];
const results: { file: string; name: string; error?: string }[] = [];
for (const [file, tests] of suites) {
  for (const test of tests) {
    try {
      test.run();
      results.push({ file, name: test.name });
    } catch (error) {
      results.push({ file, name: test.name, error: error instanceof Error ? error.message : String(error) });
    }
  }
}
report(results);
`;
  const code = await bundleForXs(entry);
  let results: XsTestResult[] | undefined;
  const xs = await startXs((text) => (results = JSON.parse(text) as XsTestResult[]));
  try {
    await xs.evaluate(code);
  } finally {
    await xs.close();
  }
  if (!results) throw new Error('the XS bundle finished without reporting results');
  return results;
}

/** The files of shard `index` of `count` (0-based): every count-th file, so slow suites spread out. */
export function shardOf<T>(files: readonly T[], index: number, count: number): T[] {
  if (!(Number.isInteger(count) && count >= 1 && Number.isInteger(index) && index >= 0 && index < count)) {
    throw new Error(`shard must be k/n with 0 <= k < n, got ${index}/${count}`);
  }
  return files.filter((_, k) => k % count === index);
}

async function main(json: boolean, shard: string | undefined): Promise<number> {
  let files = findXsTestFiles(REPO_ROOT);
  if (shard !== undefined) {
    const match = /^(\d+)\/(\d+)$/.exec(shard);
    if (!match) throw new Error(`--shard takes k/n (e.g. 0/4), got "${shard}"`);
    files = shardOf(files, Number(match[1]), Number(match[2]));
  }
  const results = await runXsTests(files);
  const failed = results.filter((r) => r.error !== undefined);
  for (const r of failed) console.log(`FAIL [xs] ${r.file} › ${r.name}\n     ${r.error}`);
  console.log(`xs: ${results.length - failed.length} passed, ${failed.length} failed`);
  if (json) console.log(JSON.stringify(results));
  return failed.length > 0 ? 1 : 0;
}

if (require.main === module) {
  const usage = `usage: npm run test:xs [-- --json] [--shard k/n]
  Runs every *.xs-test.ts inside the XS engine. --json adds a last line with the per-test results;
  --shard k/n runs only every n-th file starting at the k-th (0-based).`;
  void runCli({ name: 'xs', usage, options: { json: { type: 'boolean' }, shard: { type: 'string' } } }, ({ values }) =>
    main(values.json === true, values.shard as string | undefined),
  );
}
