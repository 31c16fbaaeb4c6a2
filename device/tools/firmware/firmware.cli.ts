/**
 * `npm run firmware -- <command>`: the firmware through the real Moddable SDK tools.
 * Docs: docs/firmware-build.md.
 */
import { runCli, UsageError } from '../../../shared/node/cli';
import { buildEsp32, buildLin, checkEsp32, flashEsp32, BuildResult, idfProblem } from './firmware-build';
import { locateSdk, prepareSdk, PrepareOptions, Sdk } from './moddable-sdk';

const USAGE = `usage: npm run firmware -- <check | lin | build | flash> [--board <esp32 target>] [--port <tty>] [--quiet]
  check    esp32 through mcconfig's TypeScript, xsc and xsl stages (no ESP-IDF needed); fails on any error
  lin      the same firmware for the SDK's Linux host: the virtual board (device/platform/lin)
  build    the real ESP32 image (needs ESP-IDF: $IDF_PATH); --board esp32/<target>, default esp32
  flash    builds and flashes it: --port /dev/ttyUSB0 (needs ESP-IDF)
  --quiet  errors only, not the tools' output
The SDK: $MODDABLE, else shared/moddable-sdk beside the clone, copied into .cache/ and its tools built once.`;

const COMMANDS = ['check', 'lin', 'build', 'flash'] as const;

function sdkOrExit(tools: PrepareOptions = {}): Sdk {
  const location = locateSdk();
  if (!location) throw new Error('no Moddable SDK: set $MODDABLE to a Moddable SDK checkout, or put shared/moddable-sdk beside this clone');
  const started = Date.now();
  const sdk = prepareSdk(location, tools);
  process.stdout.write(`firmware: Moddable SDK ${sdk.root}${location.inPlace ? ' ($MODDABLE)' : ` (copy of ${location.source})`}, tools ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return sdk;
}

function report(what: string, result: BuildResult): number {
  if (result.ok) {
    process.stdout.write(`firmware: ${what} passed in ${result.seconds.toFixed(0)} s\n`);
    return 0;
  }
  process.stderr.write(`firmware: ${what} FAILED in ${result.seconds.toFixed(0)} s with ${result.issues.length} error(s):\n`);
  for (const issue of result.issues) process.stderr.write(`  [${issue.stage}] ${issue.line}\n`);
  return 1;
}

void runCli(
  {
    name: 'firmware',
    usage: USAGE,
    options: { board: { type: 'string' }, port: { type: 'string' }, quiet: { type: 'boolean' } },
    positionals: [1, 1],
  },
  async ({ values, positionals }) => {
    const command = positionals[0] as (typeof COMMANDS)[number];
    if (!COMMANDS.includes(command)) throw new UsageError(`unknown command ${JSON.stringify(command)} (commands: ${COMMANDS.join(', ')})`);
    if (command === 'flash' && !values.port) throw new UsageError('flash needs --port <tty>');
    if ((values.board || values.port) && (command === 'check' || command === 'lin')) throw new UsageError(`--board and --port are for build and flash, not ${command}`);
    const echo = !values.quiet;
    switch (command) {
      case 'check':
        return report('esp32 check (mcconfig: TypeScript, xsc, xsl)', await checkEsp32(sdkOrExit(), { echo }));
      case 'lin':
        return report('lin build (virtual board)', await buildLin(sdkOrExit({ mcsim: true }), { echo }));
      default: {
        const problem = idfProblem();
        if (problem) {
          process.stderr.write(`firmware: ${command} needs ESP-IDF: ${problem}\n(README, "Building the firmware"; \`npm run firmware -- check\` runs without it.)\n`);
          return 2;
        }
        const board = values.board ?? 'esp32';
        const sdk = sdkOrExit();
        return report(`${command} (${board})`, command === 'build' ? await buildEsp32(sdk, board, { echo }) : await flashEsp32(sdk, board, values.port!, { echo }));
      }
    }
  },
);
