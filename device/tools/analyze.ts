/**
 * Waveform analyser: IEEE 1459 quantities of a recorded v/i CSV, with the meter's own DSP.
 *
 *   npm run --silent analyze -- <file.csv> --rate <Hz> [--mains 50|60]
 *
 * Input: one `v,i` sample pair per line (volts, amps); `;` or tab separators with decimal commas
 * also work; lines that are not two numbers (headers, comments) are skipped.
 * Output: exactly one JSON object on stdout,
 *   {vrms, irms, p, s, q1, n, pf, dpf, f, thd_v, thd_i}   (SI units, THD as a fraction).
 * Errors: a message on stderr and exit code 1 (bad data) or 2 (bad usage).
 *
 * The file is streamed in chunks of about two seconds; each chunk is cut at a rising voltage
 * crossing and the next chunk starts at that same crossing, so every whole cycle in the file is
 * analysed exactly once and memory stays bounded however long the recording is.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { createInterface } from 'node:readline';
import { CliArgs, runCli, UsageError } from '../../shared/node/cli';
import { WaveformAnalyzer } from '../dsp/waveform.analyzer';
import { createWaveformMetrics, WaveformMetrics, WaveformStatus } from '../dsp/waveform.types';

const SPEC = {
  name: 'analyze',
  usage: `usage: npm run --silent analyze -- <file.csv> --rate <Hz> [--mains 50|60]
  <file.csv>  one v,i sample pair per line (volts, amps); ; or tab separators with decimal commas work too
  --rate      the sample rate in Hz
  --mains     the nominal mains frequency (default: anything from 40 to 70 Hz)
  Prints one JSON object {vrms, irms, p, s, q1, n, pf, dpf, f, thd_v, thd_i} (SI units, THD as a fraction).`,
  options: { rate: { type: 'string' }, mains: { type: 'string' } },
  positionals: [1, 1],
} as const;
const MAX_RATE_HZ = 1_000_000;
/** Fewer samples per cycle than this cannot place zero crossings or harmonics usefully. */
const MIN_SAMPLES_PER_CYCLE = 10;
const CHUNK_SECONDS = 2;
const MIN_CYCLES = 2;
/** Mains frequency ranges accepted for each --mains value (EN 50160 allows ±1 %, islands far more). */
const MAINS_RANGES_HZ: Record<string, [number, number]> = { '50': [45, 55], '60': [55, 65], any: [40, 70] };

class DataError extends Error {}

interface Options {
  file: string;
  rateHz: number;
  minHz: number;
  maxHz: number;
}

interface AnalysisResult {
  vrms: number;
  irms: number;
  p: number;
  s: number;
  q1: number;
  n: number;
  pf: number;
  dpf: number;
  f: number;
  thd_v: number;
  thd_i: number;
}

function parseOptions({ positionals, values }: CliArgs<typeof SPEC.options>): Options {
  const range = MAINS_RANGES_HZ[values.mains ?? 'any'];
  if (!range || values.mains === 'any') throw new UsageError(`--mains must be 50 or 60, got '${values.mains}'`);
  const minRateHz = MIN_SAMPLES_PER_CYCLE * range[1];
  const rateHz = values.rate === undefined ? NaN : Number(values.rate);
  if (values.rate === undefined || values.rate.trim() === '' || !(rateHz >= minRateHz && rateHz <= MAX_RATE_HZ)) {
    throw new UsageError(`--rate must be the sample rate in Hz, ${minRateHz}…${MAX_RATE_HZ}, got '${values.rate ?? ''}'`);
  }
  return { file: positionals[0], rateHz, minHz: range[0], maxHz: range[1] };
}

/** Parses `v,i` / `v;i` / `v<TAB>i` (decimal commas allowed with ; and tab) into out; false if not a sample. */
function parseSampleLine(line: string, out: Float64Array): boolean {
  const text = line.trim();
  if (text === '') return false;
  const fields = /[;\t]/.test(text) ? text.replace(/,/g, '.').split(/[;\t]/) : text.split(',');
  if (fields.length < 2) return false;
  const first = fields[0].trim();
  const second = fields[1].trim();
  if (first === '' || second === '') return false;
  out[0] = Number(first);
  out[1] = Number(second);
  return Number.isFinite(out[0]) && Number.isFinite(out[1]);
}

/** Window-length-weighted sums over chunks: means of squares and powers combine exactly. */
class Totals {
  lengthSamples = 0;
  cycles = 0;
  private v2 = 0;
  private i2 = 0;
  private p = 0;
  private q1 = 0;
  private p1 = 0;
  private v1Squared = 0;
  private i1Squared = 0;
  private vHarmonicSquared = 0;
  private iHarmonicSquared = 0;
  private frequency = 0;

  add(m: WaveformMetrics): void {
    const w = m.windowEndSample - m.windowStartSample;
    this.lengthSamples += w;
    this.cycles += m.cycles;
    this.v2 += w * m.voltageRmsV * m.voltageRmsV;
    this.i2 += w * m.currentRmsA * m.currentRmsA;
    this.p += w * m.activePowerW;
    this.q1 += w * m.reactivePowerVar;
    this.p1 += w * m.fundamentalActivePowerW;
    this.v1Squared += w * m.fundamentalVoltageRmsV * m.fundamentalVoltageRmsV;
    this.i1Squared += w * m.fundamentalCurrentRmsA * m.fundamentalCurrentRmsA;
    this.vHarmonicSquared += w * (m.thdVoltage * m.fundamentalVoltageRmsV) ** 2;
    this.iHarmonicSquared += w * (m.thdCurrent * m.fundamentalCurrentRmsA) ** 2;
    this.frequency += w * m.frequencyHz;
  }

  result(): AnalysisResult {
    const w = this.lengthSamples;
    const vrms = Math.sqrt(this.v2 / w);
    const irms = Math.sqrt(this.i2 / w);
    const p = this.p / w;
    const s = vrms * irms;
    const v1 = Math.sqrt(this.v1Squared / w);
    const i1 = Math.sqrt(this.i1Squared / w);
    return {
      vrms,
      irms,
      p,
      s,
      q1: this.q1 / w,
      n: Math.sqrt(Math.max(0, s * s - p * p)),
      pf: s > 0 ? p / s : 0,
      dpf: v1 * i1 > 0 ? this.p1 / w / (v1 * i1) : 0,
      f: this.frequency / w,
      thd_v: v1 > 0 ? Math.sqrt(this.vHarmonicSquared / w) / v1 : 0,
      thd_i: i1 > 0 ? Math.sqrt(this.iHarmonicSquared / w) / i1 : 0,
    };
  }
}

const STATUS_HINTS: Record<WaveformStatus, string> = {
  ok: '',
  'no-signal': 'the voltage column is flat',
  'too-few-cycles': `too few samples for ${MIN_CYCLES} whole voltage cycles (check --rate)`,
  'frequency-out-of-range': 'the voltage frequency is outside the mains range (check --rate and --mains)',
};

async function analyzeFile(options: Options, warn: (message: string) => void): Promise<AnalysisResult> {
  const stat = await fs.stat(options.file).catch(() => null);
  if (!stat || !stat.isFile()) throw new DataError(`cannot read '${options.file}': no such file`);

  const capacity = Math.ceil(options.rateHz * CHUNK_SECONDS);
  const v = new Float64Array(capacity);
  const i = new Float64Array(capacity);
  const analyzer = new WaveformAnalyzer({
    maxSamples: capacity,
    thdMaxHarmonic: 40,
    minFrequencyHz: options.minHz,
    maxFrequencyHz: options.maxHz,
    minCycles: 1, // chunks are joined; the file as a whole must reach MIN_CYCLES
  });
  const metrics = createWaveformMetrics();
  const totals = new Totals();
  const pair = new Float64Array(2);
  let filled = 0;
  let samples = 0;
  let malformedAfterData = 0;
  let lastFailure: WaveformStatus = 'too-few-cycles';
  let skippedChunks = 0;

  const analyseChunk = (final: boolean): void => {
    analyzer.analyze(v, i, filled, options.rateHz, metrics);
    let keepFrom: number;
    if (metrics.status === 'ok') {
      totals.add(metrics);
      // Keep half a cycle before the last crossing, so the next chunk finds that crossing first.
      keepFrom = Math.floor(metrics.windowEndSample - (0.5 * options.rateHz) / metrics.frequencyHz);
    } else {
      lastFailure = metrics.status;
      if (!final) skippedChunks++;
      keepFrom = Math.floor(filled / 2);
    }
    if (final) return;
    v.copyWithin(0, keepFrom, filled);
    i.copyWithin(0, keepFrom, filled);
    filled -= keepFrom;
  };

  const stream = createReadStream(options.file, { encoding: 'utf8' });
  let streamError: Error | null = null;
  stream.on('error', (error) => (streamError = error));
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!parseSampleLine(line, pair)) {
      if (samples > 0 && line.trim() !== '') malformedAfterData++;
      continue;
    }
    v[filled] = pair[0];
    i[filled] = pair[1];
    filled++;
    samples++;
    if (filled === capacity) analyseChunk(false);
  }
  if (streamError) throw new DataError(`cannot read '${options.file}': ${(streamError as Error).message}`);
  if (samples === 0) throw new DataError(`no numeric v,i rows in '${options.file}'`);
  analyseChunk(true);

  if (malformedAfterData > 0) warn(`skipped ${malformedAfterData} malformed line(s) between samples; timing after them is shifted`);
  if (skippedChunks > 0 && totals.cycles > 0) warn(`skipped ${skippedChunks} stretch(es) of ${CHUNK_SECONDS / 2} s or more without usable mains cycles`);
  if (totals.cycles < MIN_CYCLES) {
    const hint = totals.cycles > 0 ? STATUS_HINTS['too-few-cycles'] : STATUS_HINTS[lastFailure];
    throw new DataError(`${samples} samples at ${options.rateHz} Hz: ${hint}`);
  }
  return totals.result();
}

/** Nine significant digits: enough for any meter, no float noise in the output. */
function rounded(result: AnalysisResult): AnalysisResult {
  const out = { ...result };
  for (const key of Object.keys(out) as (keyof AnalysisResult)[]) out[key] = Number(out[key].toPrecision(9));
  return out;
}

if (require.main === module) {
  void runCli(SPEC, async (args) => {
    const result = await analyzeFile(parseOptions(args), (message) => process.stderr.write(`analyze: warning: ${message}\n`));
    process.stdout.write(`${JSON.stringify(rounded(result))}\n`);
  });
}
