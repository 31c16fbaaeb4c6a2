/**
 * `npm run firmware -- <command>`: the firmware through the real Moddable SDK tools.
 *   check                 esp32 through TypeScript, xsc and xsl (no ESP-IDF needed); fails on any error
 *   lin                   builds the virtual board (the same manifest for the lin host platform)
 *   build                 the real ESP32 image (needs ESP-IDF: $IDF_PATH)
 *   flash --port <tty>    builds and flashes it
 * Options: --board <esp32 subplatform> (build/flash), --quiet (no tool output, errors only).
 * Docs: docs/firmware-build.md.
 */
import { buildEsp32, buildLin, checkEsp32, flashEsp32, BuildResult, idfProblem } from './firmware-build';
import { locateSdk, prepareSdk, PrepareOptions, Sdk } from './moddable-sdk';

const USAGE = 'usage: npm run firmware -- check | lin | build [--board <b>] | flash --port <tty> [--board <b>]  [--quiet]';

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  if (index < 0) return undefined;
  const value = args[index + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value\n${USAGE}`);
  return value;
}

function sdkOrExit(tools: PrepareOptions = {}): Sdk {
  const location = locateSdk();
  if (!location) {
    process.stderr.write('firmware: no Moddable SDK: set $MODDABLE to a Moddable SDK checkout, or put shared/moddable-sdk beside this clone\n');
    process.exit(2);
  }
  const started = Date.now();
  const sdk = prepareSdk(location, tools);
  process.stdout.write(`firmware: Moddable SDK ${sdk.root}${location.inPlace ? ' ($MODDABLE)' : ` (copy of ${location.source})`}, tools ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return sdk;
}

function report(what: string, result: BuildResult): void {
  if (result.ok) {
    process.stdout.write(`firmware: ${what} passed in ${result.seconds.toFixed(0)} s\n`);
    return;
  }
  process.stderr.write(`firmware: ${what} FAILED in ${result.seconds.toFixed(0)} s with ${result.issues.length} error(s):\n`);
  for (const issue of result.issues) process.stderr.write(`  [${issue.stage}] ${issue.line}\n`);
  process.exitCode = 1;
}

async function main(args: string[]): Promise<void> {
  const [command, ...rest] = args;
  const echo = !rest.includes('--quiet');
  switch (command) {
    case 'check':
      report('esp32 check (mcconfig: TypeScript, xsc, xsl)', await checkEsp32(sdkOrExit(), { echo }));
      return;
    case 'lin':
      report('lin build (virtual board)', await buildLin(sdkOrExit({ mcsim: true }), { echo }));
      return;
    case 'build':
    case 'flash': {
      const port = option(rest, '--port');
      if (command === 'flash' && !port) throw new Error(`flash needs --port <tty>\n${USAGE}`);
      const problem = idfProblem();
      if (problem) {
        process.stderr.write(`firmware: ${command} needs ESP-IDF: ${problem}\n(See README, "Building the firmware". \`npm run firmware -- check\` runs without it.)\n`);
        process.exit(2);
      }
      const board = option(rest, '--board') ?? 'esp32';
      const sdk = sdkOrExit();
      report(`${command} (${board})`, command === 'build' ? await buildEsp32(sdk, board, { echo }) : await flashEsp32(sdk, board, port!, { echo }));
      return;
    }
    default:
      throw new Error(USAGE);
  }
}

main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(`firmware: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
