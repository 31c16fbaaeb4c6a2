/**
 * `npm run bench:device`: the device's own work at its designed duty cycle (duty-cycle.ts), apart
 * from the simulation of the chips and appliances, in three engines:
 * - xst, the XS of the Moddable SDK the firmware is built with (the SDK's tools, built once into
 *   .cache like `npm run firmware`): host time of the simulation and of the device's work;
 * - xsnap (@agoric/xsnap): the deterministic computation count of the device's work;
 * - Node, for comparison.
 * - the lin self-test image (device/bench/native-selftest.ts, mcsim): the DSP on the native C kernels
 *   against the portable ones in the same XS build, and the same image with the ESP32's 384-slot stack.
 * Prints per-poll, per-burst, per-record and per-second costs, an ESP32 estimate and how it was
 * derived; the last line is one JSON object (rtf_xs, rtf_xs_native, rtf_node, xs_computations_per_s, …).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../shared/node/cli';
import { locateSdk, OUTPUT_DIR, prepareSdk } from '../tools/firmware/moddable-sdk';
import { bundleForXs, startXs, XS_REPORT_PRELUDE } from '../xs/xs-engine';
import { buildSelftest, ESP32_STACK_SLOTS, runSelftest, SelftestResult, selftestImageFresh, SELFTEST_STACK_SLOTS } from './native-selftest';
import { INTERVAL_S, phaseCosts, recordDutyCycle, replayDutyCycle, TICK_MS } from './duty-cycle';

/** Simulated seconds per run: 6 records, 120 bursts, 60 polls. */
const SECONDS = 60;
const REPEAT = { polls: 60, bursts: 100, records: 30 };
/** ESP32 core clock. */
const ESP32_MHZ = 240;
/**
 * Instructions per clock of a host x86 core over the in-order Xtensa LX6 on interpreter code: an
 * assumption (out-of-order, 3–4 wide, large caches vs in-order single issue, code from flash cache).
 */
const IPC_RATIO = 3;

interface EngineRun {
  recordMs: number;
  replayMs: number;
  digest: number;
  replayDigest: number;
  records: number;
  bursts: number;
  costs: { pollMs: number; burstMs: number; encodeMs: number };
}

/** The same program in every engine: tape (simulation + device), replay (device), phase costs. */
const PROGRAM = `
const t0 = Date.now();
const tape = recordDutyCycle(${SECONDS});
const t1 = Date.now();
const replay = replayDutyCycle(tape);
const t2 = Date.now();
const costs = phaseCosts(tape, ${JSON.stringify(REPEAT)});
const run = { recordMs: t1 - t0, replayMs: t2 - t1, digest: tape.digest, replayDigest: replay.digest, records: replay.records, bursts: replay.bursts, costs };
`;

function runNode(): EngineRun {
  recordDutyCycle(5); // warm-up
  const t0 = Date.now();
  const tape = recordDutyCycle(SECONDS);
  const t1 = Date.now();
  const replay = replayDutyCycle(tape);
  const t2 = Date.now();
  const costs = phaseCosts(tape, REPEAT);
  return { recordMs: t1 - t0, replayMs: t2 - t1, digest: tape.digest, replayDigest: replay.digest, records: replay.records, bursts: replay.bursts, costs };
}

async function runXst(): Promise<EngineRun | string> {
  const location = locateSdk();
  if (!location) return 'no Moddable SDK ($MODDABLE or shared/moddable-sdk beside the clone)';
  const sdk = prepareSdk(location, { xst: true });
  const code = await bundleForXs(`
import { phaseCosts, recordDutyCycle, replayDutyCycle } from ${JSON.stringify(require.resolve('./duty-cycle'))};
declare const print: (text: string) => void;
${PROGRAM}
print('BENCH ' + JSON.stringify(run));
`);
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const script = join(OUTPUT_DIR, 'bench-device.js');
  writeFileSync(script, code);
  const result = spawnSync(join(sdk.bin, 'xst'), [script], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const line = (result.stdout ?? '').split('\n').find((l) => l.startsWith('BENCH '));
  if (!line) throw new Error(`xst failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return JSON.parse(line.slice('BENCH '.length)) as EngineRun;
}

/** xsnap's deterministic computation count of the replay (the device's work only). */
async function xsnapComputations(): Promise<number> {
  const code = await bundleForXs(`
import { recordDutyCycle, replayDutyCycle } from ${JSON.stringify(require.resolve('./duty-cycle'))};
${XS_REPORT_PRELUDE}
let tape: ReturnType<typeof recordDutyCycle> | undefined;
(globalThis as any).bench = {
  tape() { tape = recordDutyCycle(${SECONDS}); },
  replay() { report(replayDutyCycle(tape!)); },
};
`);
  const xs = await startXs(() => undefined);
  try {
    await xs.evaluate(code);
    await xs.evaluate('bench.tape()');
    const usage = await xs.evaluate('bench.replay()');
    return (usage.compute ?? NaN) / SECONDS;
  } finally {
    await xs.close();
  }
}

interface NativeRun {
  result: SelftestResult;
  /** The 384-slot image: 'ok' when it ran the vectors, the taped duty cycle and both replays. */
  esp32Stack: string;
}

/** The lin self-test images (built when stale): native vs portable kernels, and the ESP32's stack. */
async function runNative(): Promise<NativeRun | string> {
  const location = locateSdk();
  if (!location) return 'no Moddable SDK';
  const sdk = prepareSdk(location, { mcsim: true });
  for (const slots of [SELFTEST_STACK_SLOTS, ESP32_STACK_SLOTS]) {
    if (!selftestImageFresh(slots)) console.log(`lin self-test image (${slots}-slot stack) built in ${(await buildSelftest(sdk, slots)).toFixed(0)} s`);
  }
  const result = await runSelftest(sdk, SELFTEST_STACK_SLOTS);
  let esp32Stack = 'ok';
  try {
    await runSelftest(sdk, ESP32_STACK_SLOTS);
  } catch (error) {
    const text = String(error instanceof Error ? error.message : error);
    const phases = [...text.matchAll(/SELFTEST-PHASE (\S+)/g)];
    const stage = phases.length > 0 ? `in phase ${phases[phases.length - 1][1]}` : 'while loading the one-module bundle, before the first phase (the firmware loads ~70 modules, each its own frame)';
    esp32Stack = /stack overflow/i.test(text) ? `stack overflow ${stage}` : `failed ${stage}: ${text.split('\n')[0]}`;
  }
  return { result, esp32Stack };
}

function hostMhz(): number {
  try {
    const mhz = readFileSync('/proc/cpuinfo', 'utf8').match(/cpu MHz\s*:\s*([\d.]+)/);
    if (mhz) return Number(mhz[1]);
  } catch {
    // not Linux
  }
  return cpus()[0]?.speed || NaN;
}

const fixed = (value: number, digits = 2): number => Number(value.toFixed(digits));

function describe(name: string, run: EngineRun) {
  const deviceMsPerS = run.replayMs / SECONDS;
  const simulationMsPerS = Math.max(0, run.recordMs - run.replayMs) / SECONDS;
  const { pollMs, burstMs, encodeMs } = run.costs;
  // The designed duty cycle per second: 1 poll, 1000 / 500 bursts, 1 / INTERVAL_S records.
  const dutyMs = { poll: pollMs, dsp: 2 * burstMs, encode: encodeMs / INTERVAL_S };
  const rest = Math.max(0, deviceMsPerS - dutyMs.poll - dutyMs.dsp - dutyMs.encode);
  console.log(
    `${name.padEnd(5)} device work ${deviceMsPerS.toFixed(2)} ms per simulated s (${(1000 / deviceMsPerS).toFixed(1)}× real time); ` +
      `simulation ${simulationMsPerS.toFixed(2)} ms per s; same records as with the simulation: ${run.digest === run.replayDigest ? 'yes' : 'NO'}`,
  );
  console.log(
    `      per poll (10 chips) ${pollMs.toFixed(3)} ms · per 200 ms burst ${burstMs.toFixed(3)} ms · per record encode ${encodeMs.toFixed(3)} ms · ` +
      `per second: poll ${dutyMs.poll.toFixed(2)}, DSP ${dutyMs.dsp.toFixed(2)}, encode ${dutyMs.encode.toFixed(2)}, ` +
      `metering/log/delivery/ticks ${rest.toFixed(2)} ms`,
  );
  return { deviceMsPerS, simulationMsPerS, dutyMs: { ...dutyMs, rest }, rtf: 1000 / deviceMsPerS };
}

async function main(skipNative: boolean): Promise<void> {
  console.log(`device duty cycle: MeterCore ticks every ${TICK_MS} ms; 1 poll of 10 ATM90E26 per s, one 200 ms 10 kHz burst every 500 ms,`);
  console.log(`a record every ${INTERVAL_S} s (encode, flash log, publish, delivery); ${SECONDS} simulated s per run.`);
  console.log('simulation = taped run (chip models, appliances) minus replay; device work = replay of the tape (SPI and ADC only copy bytes).');
  const load = loadavg()[0];
  console.log(`host: ${cpus().length} cores, load average ${load.toFixed(1)} (times are wall clock: a busy host inflates them)`);
  const node = describe('node', runNode());
  const xstRun = await runXst();
  const xst = typeof xstRun === 'string' ? undefined : describe('xst', xstRun);
  if (!xst) console.log(`xst   skipped: ${xstRun}`);
  const computations = await xsnapComputations();
  console.log(`xsnap ${Math.round(computations)} computations per simulated second of device work (meterUsage.compute)`);

  const nativeRun = skipNative ? 'skipped (--skip-native)' : await runNative();
  const native = typeof nativeRun === 'string' ? undefined : nativeRun;
  /** Native DSP time over portable DSP time, both in the lin image's XS. */
  let nativeRatio = NaN;
  if (native) {
    const { result } = native;
    const failed = result.vectors.filter((v) => v.error !== undefined).length;
    nativeRatio = result.burstMs.native / result.burstMs.portable;
    console.log(
      `lin   self-test image (debug XS, mcsim): vectors on the native kernels ${result.vectors.length - failed}/${result.vectors.length}; ` +
        `${result.agreement.bursts} taped bursts, largest difference native vs portable ${result.agreement.maxDifference}`,
    );
    console.log(
      `      per burst portable ${result.burstMs.portable.toFixed(2)} ms, native ${result.burstMs.native.toFixed(2)} ms (× ${nativeRatio.toFixed(3)}); ` +
        `device replay of ${result.seconds} s: portable ${result.replayMs.portable} ms (${((result.seconds * 1000) / result.replayMs.portable).toFixed(1)}× real time), ` +
        `native ${result.replayMs.native} ms (${((result.seconds * 1000) / result.replayMs.native).toFixed(1)}×); same records: ${result.sameRecords ? 'yes' : 'NO'}`,
    );
    const peaks = Object.entries(result.stackPeakSlots ?? {}).map(([phase, slots]) => `${phase} ${slots}`).join(', ');
    console.log(`      XS stack peak per phase (slots, ${SELFTEST_STACK_SLOTS}-slot image): ${peaks}; with the ESP32's ${ESP32_STACK_SLOTS}-slot stack: ${native.esp32Stack}`);
  } else console.log(`lin   self-test ${nativeRun}`);
  // The device's work with the native DSP, in xst terms: xst's DSP share scaled by the lin ratio.
  const xstNativeMsPerS = xst && native ? xst.deviceMsPerS - xst.dutyMs.dsp * (1 - nativeRatio) : undefined;
  if (xstNativeMsPerS !== undefined) {
    console.log(
      `xst with native DSP (derived: xst device work − xst DSP × (1 − lin native/portable)): ${xstNativeMsPerS.toFixed(2)} ms per simulated s ` +
        `(${(1000 / xstNativeMsPerS).toFixed(1)}× real time)`,
    );
  }

  const mhz = hostMhz();
  const factor = (mhz / ESP32_MHZ) * IPC_RATIO;
  if (xst) {
    const esp32MsPerS = xst.deviceMsPerS * factor;
    const esp32BurstMs = (xstRun as EngineRun).costs.burstMs * factor;
    console.log(
      `ESP32 estimate: xst host ms × ${factor.toFixed(1)} (host ${mhz.toFixed(0)} MHz / ${ESP32_MHZ} MHz × IPC ratio ${IPC_RATIO}, an assumption): ` +
        `${esp32MsPerS.toFixed(0)} ms of CPU per second (${(esp32MsPerS / 10).toFixed(0)} % of one core), one burst ${esp32BurstMs.toFixed(1)} ms, ` +
        `one poll ${((xstRun as EngineRun).costs.pollMs * factor).toFixed(1)} ms of CPU (+ ~40 ms of SPI wire time at 160 kHz).`,
    );
    if (xstNativeMsPerS !== undefined) {
      console.log(
        `ESP32 estimate with the native DSP: ${(xstNativeMsPerS * factor).toFixed(0)} ms of CPU per second (${((xstNativeMsPerS * factor) / 10).toFixed(0)} % of one core), ` +
          `one burst ${((xstRun as EngineRun).costs.burstMs * nativeRatio * factor).toFixed(1)} ms (C compiled for the host vs the ESP32 scaled by the same factor: an assumption).`,
      );
    }
    const dspShare = (xst.dutyMs.dsp * factor) / 10;
    console.log(
      `waveform DSP on the ESP32: ${(xst.dutyMs.dsp * factor).toFixed(0)} ms per second (${dspShare.toFixed(0)} % of one core) at 2 bursts/s` +
        (dspShare > 25 ? ': over a quarter of the core in XS; the firmware runs the native kernels (the estimate above).' : ': within budget.'),
    );
  }
  console.log(
    JSON.stringify({
      rtf_xs: xst ? fixed(xst.rtf) : null,
      rtf_xs_native: xstNativeMsPerS !== undefined ? fixed(1000 / xstNativeMsPerS) : null,
      rtf_lin: native ? { portable: fixed((native.result.seconds * 1000) / native.result.replayMs.portable), native: fixed((native.result.seconds * 1000) / native.result.replayMs.native) } : null,
      native_vectors: native ? `${native.result.vectors.filter((v) => v.error === undefined).length}/${native.result.vectors.length}` : null,
      native_burst_ratio: native ? fixed(nativeRatio, 4) : null,
      esp32_stack_384: native ? native.esp32Stack : null,
      xs_stack_peak_slots: native ? (native.result.stackPeakSlots ?? null) : null,
      rtf_node: fixed(node.rtf),
      xs_computations_per_s: Math.round(computations),
      xs_engine: xst ? 'xst (Moddable SDK)' : null,
      simulated_s: SECONDS,
      same_records: typeof xstRun !== 'string' && xstRun.digest === xstRun.replayDigest,
      device_ms_per_s: { xs: xst && fixed(xst.deviceMsPerS), node: fixed(node.deviceMsPerS, 3) },
      simulation_ms_per_s: { xs: xst && fixed(xst.simulationMsPerS), node: fixed(node.simulationMsPerS, 3) },
      phases_ms_per_s_xs: xst && Object.fromEntries(Object.entries(xst.dutyMs).map(([k, v]) => [k, fixed(v, 3)])),
      esp32_estimate_ms_per_s: xst ? fixed(xst.deviceMsPerS * factor, 0) : null,
      esp32_estimate_native_ms_per_s: xstNativeMsPerS !== undefined ? fixed(xstNativeMsPerS * factor, 0) : null,
      esp32_factor: fixed(factor, 1),
      host_load: fixed(load, 1),
    }),
  );
}

void runCli(
  {
    name: 'bench:device',
    usage: `usage: npm run bench:device [-- --skip-native]
  The device's own work at its designed duty cycle (polls, bursts, records), apart from the simulation of
  chips and appliances, in xst (the Moddable SDK's XS), xsnap and Node; the native DSP kernels and the
  ESP32's 384-slot stack in lin self-test images (built when stale, mcsim on Xvfb; --skip-native leaves
  them out); an ESP32 estimate; then one JSON line.`,
    options: { 'skip-native': { type: 'boolean' } },
  },
  ({ values }) => main(values['skip-native'] === true),
);
