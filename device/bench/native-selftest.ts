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
  /** Peak XS stack per phase in slots (vectors, taping with the simulation, replays), from the debug build's instruments. */
  stackPeakSlots?: Record<string, number>;
}

/** The image's program: reports lines `SELFTEST <json>` and a last `SELFTEST-DONE`. */
function program(): string {
  const path = (file: string): string => JSON.stringify(join(REPO_ROOT, file));
  return `
import nativeWaveformKernels from 'dsp/waveform.kernels.native';
import Timer from 'timer';
import { waveformVectors } from ${path('device/dsp/waveform.analyzer.xs-test.ts')};
import { portableWaveformKernels } from ${path('device/dsp/waveform.kernels.ts')};
import { compareKernels, phaseCosts, recordDutyCycle, replayDutyCycle } from ${path('device/bench/duty-cycle.ts')};
declare const trace: (text: string) => void;
// Phases one timer turn apart, as the firmware's work runs (from timers): the runtime samples its
// instruments once a second and resets the stack peak, so each phase gets its own peak.
const PHASES: [string, () => void][] = [];
const state: any = {};
PHASES.push(['vectors', () => {
  state.vectors = waveformVectors(nativeWaveformKernels).map((test) => {
    try {
      test.run();
      return { name: test.name };
    } catch (error) {
      return { name: test.name, error: error instanceof Error ? error.message : String(error) };
    }
  });
  trace('SELFTEST-VECTORS ' + state.vectors.filter((v: any) => v.error === undefined).length + '/' + state.vectors.length + '\\n');
}]);
PHASES.push(['taping', () => { state.tape = recordDutyCycle(${SECONDS}); }]);
PHASES.push(['comparing', () => {
  state.agreement = compareKernels(state.tape, nativeWaveformKernels);
  state.portableCosts = phaseCosts(state.tape, ${JSON.stringify(REPEAT)}, portableWaveformKernels);
  state.nativeCosts = phaseCosts(state.tape, ${JSON.stringify(REPEAT)}, nativeWaveformKernels);
}]);
PHASES.push(['replay-portable', () => {
  const started = Date.now();
  state.portableReplay = replayDutyCycle(state.tape, portableWaveformKernels);
  state.portableMs = Date.now() - started;
}]);
PHASES.push(['replay-native', () => {
  const started = Date.now();
  state.nativeReplay = replayDutyCycle(state.tape, nativeWaveformKernels);
  state.nativeMs = Date.now() - started;
}]);
PHASES.push(['report', () => {
  trace('SELFTEST ' + JSON.stringify({
    vectors: state.vectors,
    agreement: state.agreement,
    burstMs: { portable: state.portableCosts.burstMs, native: state.nativeCosts.burstMs },
    replayMs: { portable: state.portableMs, native: state.nativeMs },
    sameRecords: state.portableReplay.digest === state.tape.digest && state.nativeReplay.digest === state.tape.digest,
    seconds: ${SECONDS},
  }) + '\\n');
}]);
let phase = 0;
function next(): void {
  if (phase === PHASES.length) {
    trace('SELFTEST-DONE\\n');
    return;
  }
  const [name, run] = PHASES[phase++];
  trace('SELFTEST-PHASE ' + name + '\\n');
  run();
  Timer.set(next, 1100);
}
Timer.set(next, 1100);
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
    external: ['dsp/waveform.kernels.native', 'timer'],
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
    await board.start(timeoutMs, /SELFTEST-PHASE |XS abort/);
    const match = await board.waitFor(/SELFTEST (\{.*\})\n|XS abort: [^\n]*/, timeoutMs);
    // An abort leaves mcsim running (the debug build waits for a debugger): report it with the stages reached.
    if (!match[1]) throw new Error(`${match[0]} (${stackSlots}-slot stack); output:\n${board.text.slice(-2000)}`);
    const result = JSON.parse(match[1]) as SelftestResult;
    await board.waitFor(/SELFTEST-DONE/, timeoutMs);
    result.stackPeakSlots = stackPeaks(board.text, stackSlots);
    return result;
  } finally {
    await board.stop();
  }
}

/**
 * Largest "Stack used" of the instruments lines after each `SELFTEST-PHASE` marker up to the next,
 * in slots (bytes over the slot size the image reports).
 */
export function stackPeaks(output: string, stackSlots: number): Record<string, number> {
  const key = /instruments key: (.*)/.exec(output)?.[1].split(',') ?? [];
  const used = key.indexOf('Stack used');
  const available = key.indexOf('Stack available');
  const peaks: Record<string, number> = {};
  if (used < 0 || available < 0) return peaks;
  let phase: string | undefined;
  for (const line of output.split('\n')) {
    const marker = /^SELFTEST-PHASE (\S+)/.exec(line);
    if (marker) phase = marker[1];
    const sample = /^instruments: ([\d,]+)/.exec(line);
    if (!sample || !phase) continue;
    const values = sample[1].split(',').map(Number);
    const slots = Math.round(values[used] / (values[available] / stackSlots));
    peaks[phase] = Math.max(peaks[phase] ?? 0, slots);
  }
  return peaks;
}
