/**
 * The native DSP kernels (device/dsp/waveform.kernels.native.c) built and run where they run on the
 * device: a small lin app of the Moddable SDK (the virtual board's platform, loaded by mcsim) with
 * the same native module as the firmware manifest. Inside that image it
 * 1. runs the analyzer's vectors (waveform.analyzer.xs-test.ts) on the native kernels;
 * 2. tapes the duty cycle on the simulated board and compares every burst's figures between the
 *    native and the portable kernels;
 * 3. times the burst analysis and the device's replay with each kernel set (device/bench/duty-cycle.ts).
 * The app is one bundled module (esbuild) plus the native module, so it builds in a fraction of
 * the firmware's time. Node-only.
 */
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { delimiter, join } from 'node:path';
import { typescriptBin } from '../tools/firmware/firmware-build';
import { OUTPUT_DIR, REPO_ROOT, Sdk, sdkEnv } from '../tools/firmware/moddable-sdk';
import { VirtualBoardProcess } from '../tools/firmware/virtual-board.process';

const NATIVE_MODULE = join(REPO_ROOT, 'device', 'dsp', 'waveform.kernels.native');
/** XS stack of the self-test image, in slots: the virtual board's by default; 384 is the ESP32's. */
export const SELFTEST_STACK_SLOTS = 2048;
export const ESP32_STACK_SLOTS = 384;

/** One app (folder and image) per stack size, so both images can stay built. */
const appName = (stackSlots: number): string => `dsp-native-selftest-${stackSlots}`;
const appDir = (stackSlots: number): string => join(OUTPUT_DIR, appName(stackSlots));
/** Simulated seconds of the duty cycle taped and replayed inside the image. */
const SECONDS = 20;
const REPEAT = { polls: 20, bursts: 40, records: 10 };

export interface SelftestResult {
  vectors: { name: string; error?: string }[];
  agreement: { bursts: number; maxDifference: number; statusMismatches: number };
  burstMs: { portable: number; native: number };
  replayMs: { portable: number; native: number };
  sameRecords: boolean;
  seconds: number;
}

/** The image's program: reports lines `SELFTEST <json>` and a last `SELFTEST-DONE`. */
function program(): string {
  const path = (file: string): string => JSON.stringify(join(REPO_ROOT, file));
  return `
import nativeWaveformKernels from 'dsp/waveform.kernels.native';
import { waveformVectors } from ${path('device/dsp/waveform.analyzer.xs-test.ts')};
import { portableWaveformKernels } from ${path('device/dsp/waveform.kernels.ts')};
import { compareKernels, phaseCosts, recordDutyCycle, replayDutyCycle } from ${path('device/bench/duty-cycle.ts')};
declare const trace: (text: string) => void;
const vectors = waveformVectors(nativeWaveformKernels).map((test) => {
  try {
    test.run();
    return { name: test.name };
  } catch (error) {
    return { name: test.name, error: error instanceof Error ? error.message : String(error) };
  }
});
trace('SELFTEST-VECTORS ' + vectors.filter((v) => v.error === undefined).length + '/' + vectors.length + '\\n');
const tape = recordDutyCycle(${SECONDS});
trace('SELFTEST-TAPED\\n');
const agreement = compareKernels(tape, nativeWaveformKernels);
const portableCosts = phaseCosts(tape, ${JSON.stringify(REPEAT)}, portableWaveformKernels);
const nativeCosts = phaseCosts(tape, ${JSON.stringify(REPEAT)}, nativeWaveformKernels);
let started = Date.now();
const portableReplay = replayDutyCycle(tape, portableWaveformKernels);
const portableMs = Date.now() - started;
started = Date.now();
const nativeReplay = replayDutyCycle(tape, nativeWaveformKernels);
const nativeMs = Date.now() - started;
trace('SELFTEST ' + JSON.stringify({
  vectors,
  agreement,
  burstMs: { portable: portableCosts.burstMs, native: nativeCosts.burstMs },
  replayMs: { portable: portableMs, native: nativeMs },
  sameRecords: portableReplay.digest === tape.digest && nativeReplay.digest === tape.digest,
  seconds: ${SECONDS},
}) + '\\n');
trace('SELFTEST-DONE\\n');
`;
}

async function writeApp(stackSlots: number): Promise<string> {
  const dir = appDir(stackSlots);
  const esbuild = await import('esbuild');
  mkdirSync(dir, { recursive: true });
  const bundle = await esbuild.build({
    stdin: { contents: program(), resolveDir: REPO_ROOT, loader: 'ts', sourcefile: 'selftest.ts' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    logLevel: 'silent',
    external: ['dsp/waveform.kernels.native'],
    alias: { '@dinmeter/shared': join(REPO_ROOT, 'shared/src/index.ts') },
  });
  writeFileSync(join(dir, 'main.js'), bundle.outputFiles[0].text);
  const manifest = {
    include: ['$(MODDABLE)/examples/manifest_base.json'],
    modules: { main: './main', 'dsp/waveform.kernels.native': NATIVE_MODULE },
    creation: { stack: stackSlots },
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return join(dir, 'manifest.json');
}

/** mcconfig's lin image of the app (debug, like the virtual board: trace goes to stdout). */
export function selftestImage(stackSlots = SELFTEST_STACK_SLOTS): string {
  return join(OUTPUT_DIR, 'bin', 'lin', 'mc', 'debug', appName(stackSlots), 'mc.so');
}

/** Newest source the image depends on (the DSP, the duty cycle's code, shared/src). */
function newestSourceMs(): number {
  let newest = 0;
  for (const root of ['device', 'shared/src']) {
    for (const name of readdirSync(join(REPO_ROOT, root), { recursive: true }) as string[]) {
      if (!/\.(ts|js|c)$/.test(name) || name.includes('node_modules')) continue;
      newest = Math.max(newest, statSync(join(REPO_ROOT, root, name)).mtimeMs);
    }
  }
  return newest;
}

/** True when the image exists and is newer than every source. */
export function selftestImageFresh(stackSlots = SELFTEST_STACK_SLOTS): boolean {
  const image = selftestImage(stackSlots);
  return existsSync(image) && statSync(image).mtimeMs >= newestSourceMs();
}

/** Builds the self-test image (mcconfig -d -m -p lin); returns the build's seconds. */
export async function buildSelftest(sdk: Sdk, stackSlots = SELFTEST_STACK_SLOTS, log: (line: string) => void = () => undefined): Promise<number> {
  const manifest = await writeApp(stackSlots);
  const started = Date.now();
  const env = sdkEnv(sdk, { ...process.env });
  env.PATH = `${typescriptBin()}${delimiter}${env.PATH}`;
  log(`native self-test: mcconfig -d -m -p lin ${manifest}`);
  const made = spawnSync('mcconfig', ['-d', '-m', '-p', 'lin', '-t', 'build', '-o', OUTPUT_DIR, manifest], {
    cwd: appDir(stackSlots),
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (made.status !== 0 || !existsSync(selftestImage(stackSlots))) {
    throw new Error(`native self-test build failed (${made.status}):\n${`${made.stdout}${made.stderr}`.split('\n').slice(-40).join('\n')}`);
  }
  return (Date.now() - started) / 1000;
}

/** Runs the image in mcsim (Xvfb) and returns what it reported. */
export async function runSelftest(sdk: Sdk, stackSlots = SELFTEST_STACK_SLOTS, timeoutMs = 600_000): Promise<SelftestResult> {
  const dir = join(appDir(stackSlots), 'run');
  mkdirSync(dir, { recursive: true });
  const board = new VirtualBoardProcess(selftestImage(stackSlots), dir, join(sdk.bin, 'mcsim'));
  try {
    await board.start(timeoutMs, /SELFTEST-VECTORS /);
    const match = await board.waitFor(/SELFTEST (\{.*\})\n/, timeoutMs);
    return JSON.parse(match[1]) as SelftestResult;
  } finally {
    await board.stop();
  }
}
