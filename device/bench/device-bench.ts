/**
 * `npm run bench:device`: the device workload (device-workload.ts) per simulated second, in Node
 * and inside the XS engine (bundled with esbuild, run by @agoric/xsnap). Prints figures and, as
 * the last line, one JSON object: rtf_xs / rtf_node (simulated seconds per host second) and
 * xs_computations_per_s (xsnap meterUsage.compute per simulated second).
 * Host figures, not ESP32 figures: XS on a 240 MHz Xtensa is one to two orders slower.
 */
import { runCli } from '../../shared/node/cli';
import { bundleForXs, startXs, XS_REPORT_PRELUDE } from '../xs/xs-engine';
import { createDeviceWorkload, PhaseTotalsMs, THD_MAX_HARMONIC } from './device-workload';

const WARM_UP_S = 5;
/** Same length in both engines, so their result digests must agree. */
const SECONDS = 30;

const perSecond = (totals: PhaseTotalsMs, seconds: number) =>
  Object.fromEntries(Object.entries(totals).map(([phase, ms]) => [phase, Number((ms / seconds).toFixed(3))]));

function benchNode() {
  const workload = createDeviceWorkload();
  workload.run(WARM_UP_S);
  const start = performance.now();
  const phases = workload.run(SECONDS);
  const hostS = (performance.now() - start) / 1000;
  return { rtf: SECONDS / hostS, phases: perSecond(phases, SECONDS), digest: workload.digest };
}

async function benchXs() {
  const entry = `
import { createDeviceWorkload } from ${JSON.stringify(require.resolve('./device-workload'))};
${XS_REPORT_PRELUDE}
let workload: ReturnType<typeof createDeviceWorkload> | undefined;
(globalThis as any).bench = {
  setup() { workload = createDeviceWorkload(); },
  run(seconds: number) { report({ phases: workload!.run(seconds), digest: workload!.digest }); },
};
`;
  const code = await bundleForXs(entry);
  let last: { phases: PhaseTotalsMs; digest: number } | undefined;
  const xs = await startXs((text) => (last = JSON.parse(text)));
  try {
    await xs.evaluate(code);
    await xs.evaluate('bench.setup()');
    await xs.evaluate(`bench.run(${WARM_UP_S})`);
    const start = performance.now();
    const usage = await xs.evaluate(`bench.run(${SECONDS})`);
    const hostS = (performance.now() - start) / 1000;
    return {
      rtf: SECONDS / hostS,
      computePerS: (usage.compute ?? NaN) / SECONDS,
      phases: perSecond(last!.phases, SECONDS),
      digest: last!.digest,
    };
  } finally {
    await xs.close();
  }
}

async function main(): Promise<void> {
  console.log('device workload per simulated second: advance the simulated board (10 circuits, 20 ms steps),');
  console.log(`poll 10 ATM90E26 through driver + chip model, 10 × 200 ms 10 kHz bursts through WaveformAnalyzer (THD to order ${THD_MAX_HARMONIC}),`);
  console.log('encode one telemetry record (encodeMessageBytes).');
  const node = benchNode(); // before XS: @endo/init locks this realm down
  console.log(`node: ${node.rtf.toFixed(1)}× real time; ms per simulated second by phase ${JSON.stringify(node.phases)}`);
  const xs = await benchXs();
  console.log(`xs:   ${xs.rtf.toFixed(1)}× real time; ms per simulated second by phase ${JSON.stringify(xs.phases)}`);
  console.log(`xs:   ${Math.round(xs.computePerS)} computations per simulated second (xsnap meterUsage.compute)`);
  const sameResults = Math.abs(node.digest - xs.digest) <= 1e-9 * Math.abs(node.digest);
  console.log(`same results in Node and XS (digest of readings, DSP output and record sizes): ${sameResults ? 'yes' : `NO (${node.digest} vs ${xs.digest})`}`);
  console.log(
    JSON.stringify({
      rtf_xs: Number(xs.rtf.toFixed(2)),
      rtf_node: Number(node.rtf.toFixed(2)),
      xs_computations_per_s: Math.round(xs.computePerS),
      simulated_s: SECONDS,
      same_results: sameResults,
      phases_ms_per_s: { xs: xs.phases, node: node.phases },
      dsp: `device/dsp WaveformAnalyzer thdMaxHarmonic=${THD_MAX_HARMONIC}`,
    }),
  );
}

void runCli(
  {
    name: 'bench:device',
    usage: `usage: npm run bench:device
  The device workload per simulated second in Node and in the XS engine; prints figures, then one JSON line.`,
    options: {},
  },
  main,
);
