import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ChannelSpec, SignalSpec, synthesise, truthOf } from '../dsp/testing/signal.synth';

const REPO_ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(__dirname, 'analyze.ts');
const WAVEFORM_FIXTURES = path.resolve(REPO_ROOT, '../shared/fixtures/waveforms');
const KEYS = ['vrms', 'irms', 'p', 's', 'q1', 'n', 'pf', 'dpf', 'f', 'thd_v', 'thd_i'];

jest.setTimeout(60_000); // each case starts a Node process with the TS loader on a shared machine

function runCli(args: string[]) {
  const result = spawnSync(process.execPath, ['-r', '@swc-node/register', CLI, ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Rows of (v, i) read back the way a reader of the CSV would, independent of the CLI parser. */
function readPairs(file: string): { v: number[]; i: number[] } {
  const v: number[] = [];
  const i: number[] = [];
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    const fields = (/[;\t]/.test(line) ? line.replace(/,/g, '.').split(/[;\t]/) : line.split(',')).map(Number);
    if (fields.length >= 2 && line.trim() !== '' && Number.isFinite(fields[0]) && Number.isFinite(fields[1])) {
      v.push(fields[0]);
      i.push(fields[1]);
    }
  }
  return { v, i };
}

/** mean(v·i) between the first and last rising sign change of v − mean(v), whole samples. */
function meanPowerOverWholeCycles(v: number[], i: number[]): number {
  const dc = v.reduce((sum, x) => sum + x, 0) / v.length;
  const peak = v.reduce((max, x) => Math.max(max, Math.abs(x - dc)), 0);
  const rising: number[] = [];
  let armed = false;
  for (let k = 1; k < v.length; k++) {
    if (v[k] - dc < -0.25 * peak) armed = true;
    if (armed && v[k - 1] - dc < 0 && v[k] - dc >= 0) {
      rising.push(k);
      armed = false;
    }
  }
  const [start, end] = [rising[0], rising[rising.length - 1]];
  let vSum = 0;
  let iSum = 0;
  let viSum = 0;
  for (let k = start; k < end; k++) {
    vSum += v[k];
    iSum += i[k];
    viSum += v[k] * i[k];
  }
  const count = end - start;
  return viSum / count - (vSum / count) * (iSum / count); // DC removed, as the meter does
}

function spec(seconds: number, frequencyHz: number, current: ChannelSpec): SignalSpec {
  return {
    frequencyHz,
    rateHz: 10_000,
    samples: Math.round(seconds * 10_000),
    startPhaseRad: 1.3,
    seed: 7,
    voltage: { harmonics: [{ order: 1, rms: 230, phaseRad: 0 }], noiseRms: 0.3 },
    current,
  };
}

const SMPS: ChannelSpec = {
  harmonics: [
    { order: 1, rms: 3, phaseRad: -0.3 },
    { order: 3, rms: 2.1, phaseRad: 2.9 },
    { order: 5, rms: 1.2, phaseRad: -0.4 },
    { order: 7, rms: 0.6, phaseRad: 2.6 },
  ],
  noiseRms: 0.02,
};

describe('analyze CLI', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'dinmeter-analyze-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** Writes a synthetic recording; `format` picks the separator style. */
  function writeCsv(name: string, signal: SignalSpec, format: 'comma' | 'semicolon' | 'tab' = 'comma'): string {
    const v = new Float64Array(signal.samples);
    const i = new Float64Array(signal.samples);
    synthesise(signal, v, i);
    const rows: string[] = format === 'comma' ? ['v,i'] : ['Spannung (V);Strom (A)'];
    for (let k = 0; k < signal.samples; k++) {
      const [vt, it] = [v[k].toFixed(4), i[k].toFixed(5)];
      if (format === 'comma') rows.push(`${vt},${it}`);
      else if (format === 'semicolon') rows.push(`${vt.replace('.', ',')};${it.replace('.', ',')}`);
      else rows.push(`${vt}\t${it}`);
    }
    const file = path.join(dir, name);
    writeFileSync(file, `${rows.join('\n')}\n`);
    return file;
  }

  it('should print one JSON object whose P matches mean(v·i) over whole cycles', () => {
    const signal = spec(1, 50, SMPS);
    const file = writeCsv('smps.csv', signal);
    const { status, stdout, stderr } = runCli([file, '--rate', '10000', '--mains', '50']);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    const result = JSON.parse(stdout);
    expect(Object.keys(result).sort()).toEqual([...KEYS].sort());

    const { v, i } = readPairs(file);
    const truth = truthOf(signal);
    expect(Math.abs(result.p / meanPowerOverWholeCycles(v, i) - 1)).toBeLessThan(0.001);
    expect(Math.abs(result.p / truth.activePowerW - 1)).toBeLessThan(0.005);
    expect(Math.abs(result.vrms / truth.voltageRmsV - 1)).toBeLessThan(0.002);
    expect(Math.abs(result.irms / truth.currentRmsA - 1)).toBeLessThan(0.002);
    expect(Math.abs(result.q1 - truth.reactivePowerVar)).toBeLessThan(0.005 * truth.apparentPowerVa);
    expect(Math.abs(result.dpf - truth.displacementPowerFactor)).toBeLessThan(0.005);
    expect(Math.abs(result.f - 50)).toBeLessThan(0.01);
    expect(Math.abs(result.thd_i - truth.thdCurrent)).toBeLessThan(0.005);
    expect(result.thd_v).toBeLessThan(0.005);
    expect(result.s).toBeCloseTo(result.vrms * result.irms, 3);
    expect(result.n).toBeCloseTo(Math.sqrt(result.s ** 2 - result.p ** 2), 3);
  });

  it('should read ; and tab separators, decimal commas and a header line alike', () => {
    const signal = spec(0.5, 60, { harmonics: [{ order: 1, rms: 7, phaseRad: 0.4 }] });
    const outputs = (['comma', 'semicolon', 'tab'] as const).map((format) => {
      const { status, stdout } = runCli([writeCsv(`sep-${format}.csv`, signal, format), '--rate', '10000']);
      expect(status).toBe(0);
      return JSON.parse(stdout);
    });
    expect(outputs[1]).toEqual(outputs[0]);
    expect(outputs[2]).toEqual(outputs[0]);
    expect(outputs[0].q1).toBeLessThan(0); // leading current: capacitive
  });

  it('should analyse every whole cycle of a recording longer than one chunk', () => {
    const signal = spec(9.3, 49.7, { harmonics: [{ order: 1, rms: 12, phaseRad: -0.7 }], noiseRms: 0.02 });
    const file = writeCsv('long.csv', signal);
    const { status, stdout } = runCli([file, '--rate', '10000']);
    expect(status).toBe(0);
    const result = JSON.parse(stdout);
    const { v, i } = readPairs(file);
    expect(Math.abs(result.p / meanPowerOverWholeCycles(v, i) - 1)).toBeLessThan(0.0005);
    expect(Math.abs(result.f - 49.7)).toBeLessThan(0.01);
  });

  it.each([
    ['a missing file', () => [path.join(dir, 'absent.csv'), '--rate', '10000'], /cannot read .*absent\.csv/],
    ['a file without numeric rows', () => [writeText('header.csv', 'v,i\nvolts,amps\n'), '--rate', '10000'], /no numeric v,i rows/],
    ['fewer than two cycles', () => [writeCsv('short.csv', spec(0.03, 50, SMPS)), '--rate', '10000'], /too few samples for 2 whole voltage cycles/],
    ['a non-numeric --rate', () => [writeCsv('r1.csv', spec(0.1, 50, SMPS)), '--rate', 'fast'], /--rate must be .* got 'fast'/],
    ['a zero --rate', () => [writeCsv('r2.csv', spec(0.1, 50, SMPS)), '--rate', '0'], /--rate must be/],
    ['no --rate', () => [writeCsv('r3.csv', spec(0.1, 50, SMPS))], /--rate must be/],
    ['a --mains other than 50/60', () => [writeCsv('m.csv', spec(0.1, 50, SMPS)), '--rate', '10000', '--mains', '55'], /--mains must be 50 or 60/],
    ['a rate that does not match the mains', () => [writeCsv('m2.csv', spec(0.3, 50, SMPS)), '--rate', '10000', '--mains', '60'], /outside the mains range/],
  ])('should reject %s with a message, a non-zero exit and no stack trace', (_label, args, message) => {
    const { status, stdout, stderr } = runCli(args());
    expect(status).not.toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  function writeText(name: string, text: string): string {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  }

  // Real recordings, when someone provides them: rate from a `<name>.json` sidecar {"rateHz": …}
  // or from the file name (e.g. `kettle_10000Hz.csv`).
  const fixtures = existsSync(WAVEFORM_FIXTURES) ? readdirSync(WAVEFORM_FIXTURES).filter((name) => /\.(csv|txt|tsv)$/i.test(name)) : [];
  if (fixtures.length === 0) {
    it.skip(`real recordings: ${WAVEFORM_FIXTURES} is absent or empty, nothing to compare`, () => undefined);
  } else it.each(fixtures)('should match mean(v·i) on the real recording %s', (name) => {
    const file = path.join(WAVEFORM_FIXTURES, name);
    const sidecar = file.replace(/\.[^.]+$/, '.json');
    const rateHz = existsSync(sidecar) ? JSON.parse(readFileSync(sidecar, 'utf8')).rateHz : Number(/(\d+)\s*hz/i.exec(name)?.[1]);
    if (!(rateHz > 0)) {
      console.warn(`analyze.spec: no sample rate for ${name} (add ${path.basename(sidecar)} with {"rateHz": …}); not compared`);
      return;
    }
    const { status, stdout, stderr } = runCli([file, '--rate', String(rateHz)]);
    expect(stderr.replace(/^analyze: warning:.*\n/gm, '')).toBe('');
    expect(status).toBe(0);
    const { v, i } = readPairs(file);
    const reference = meanPowerOverWholeCycles(v, i);
    const result = JSON.parse(stdout);
    expect(Math.abs(result.p - reference)).toBeLessThanOrEqual(0.005 * Math.abs(reference) + 0.5);
  });
});
