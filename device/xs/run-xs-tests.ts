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

async function main(json: boolean): Promise<number> {
  const results = await runXsTests();
  const failed = results.filter((r) => r.error !== undefined);
  for (const r of failed) console.log(`FAIL [xs] ${r.file} › ${r.name}\n     ${r.error}`);
  console.log(`xs: ${results.length - failed.length} passed, ${failed.length} failed`);
  if (json) console.log(JSON.stringify(results));
  return failed.length > 0 ? 1 : 0;
}

if (require.main === module) {
  const usage = `usage: npm run test:xs [-- --json]
  Runs every *.xs-test.ts inside the XS engine. --json adds a last line with the per-test results.`;
  void runCli({ name: 'xs', usage, options: { json: { type: 'boolean' } } }, ({ values }) => main(values.json === true));
}
