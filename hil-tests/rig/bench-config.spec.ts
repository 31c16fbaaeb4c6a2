import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchRestToken, loadBenchConfig, parseBenchConfig } from './bench-config';
import { BenchRig } from './bench-rig';
import { createRig, rigKind } from './index';
import { itWith, skipReason } from './capabilities';
import { SimulatedRig } from './simulated-rig';

const EXAMPLE = join(__dirname, '..', 'bench.config.example.json');
const example = () => JSON.parse(readFileSync(EXAMPLE, 'utf8'));

describe('bench config', () => {
  it('should accept the shipped example', () => {
    const config = loadBenchConfig(EXAMPLE);
    expect(config.instruments.source).toEqual({ host: '10.0.0.10', port: 5025, dialect: 'chroma-61500', maxVoltageV: 264 });
    expect(config.dut).toBe('dm-a4cf120b3c7d');
  });

  it('should list every problem at once, with its path', () => {
    const bad = example();
    bad.backend.restUrl = 'ftp://x';
    bad.instruments.source.dialect = 'rigol';
    bad.instruments.load.port = 70000;
    bad.meters.push('has space');
    bad.extra = true;
    delete bad.instruments.reference;
    let message = '';
    try {
      parseBenchConfig(bad, 'bench.json');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^bench\.json is invalid/);
    for (const part of [
      '$: unknown field "extra"',
      '$.backend.restUrl',
      '$.instruments.source.dialect: expected one of "chroma-61500", "keysight-ac6800"',
      '$.instruments.load.port: 70000 is above the maximum 65535',
      '$.instruments.reference: is required',
      '"has space" is not a valid device id',
    ]) {
      expect(message).toContain(part);
    }
  });

  it('should refuse a dut that is not on the bench, a file that is not JSON, and a missing file', () => {
    expect(() => parseBenchConfig({ ...example(), dut: 'dm-other' })).toThrow('dut "dm-other" is not one of meters');
    const dir = mkdtempSync(join(tmpdir(), 'bench-config-'));
    writeFileSync(join(dir, 'broken.json'), '{ "name": ');
    expect(() => loadBenchConfig(join(dir, 'broken.json'))).toThrow(/bench config .*broken\.json is not JSON/);
    expect(() => loadBenchConfig(join(dir, 'missing.json'))).toThrow(/cannot read the bench config .*missing\.json/);
  });

  it('should read the REST token from backend.tokenFile beside the config, else from DINMETER_TOKEN', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-config-'));
    writeFileSync(join(dir, 'rest.token'), 'dmt_from-file\n');
    const withFile = parseBenchConfig({ ...example(), backend: { ...example().backend, tokenFile: 'rest.token' } });

    expect(benchRestToken(withFile, join(dir, 'bench.json'), {})).toBe('dmt_from-file');
    expect(benchRestToken(loadBenchConfig(EXAMPLE), EXAMPLE, { DINMETER_TOKEN: 'dmt_from-env' })).toBe('dmt_from-env');
    expect(benchRestToken(loadBenchConfig(EXAMPLE), EXAMPLE, {})).toBeUndefined();
    expect(() => benchRestToken(withFile, join(dir, 'elsewhere', 'bench.json'), {})).toThrow(/cannot read backend\.tokenFile .*elsewhere\/rest\.token/);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('rig selection', () => {
  it('should pick the rig from HIL_RIG and the bench from HIL_BENCH_CONFIG', () => {
    expect(rigKind({})).toBe('sim');
    expect(() => rigKind({ HIL_RIG: 'hardware' })).toThrow('HIL_RIG must be "sim" or "bench", got "hardware"');
    const sim = createRig({}, {});
    expect(sim).toBeInstanceOf(SimulatedRig);
    rmSync((sim as SimulatedRig).dir, { recursive: true, force: true });
    expect(() => createRig({}, { HIL_RIG: 'bench' })).toThrow('HIL_RIG=bench needs HIL_BENCH_CONFIG=<bench config file>');
    const bench = createRig({}, { HIL_RIG: 'bench', HIL_BENCH_CONFIG: EXAMPLE });
    expect(bench).toBeInstanceOf(BenchRig);
    expect(bench.restUrl).toBe('http://10.0.0.2:3000/api');
  });

  it('should declare what a bench cannot do and name it in the skip reason', () => {
    const bench = createRig({}, { HIL_RIG: 'bench', HIL_BENCH_CONFIG: EXAMPLE });
    const sim = new SimulatedRig();
    const withMosquitto = new SimulatedRig({ externalBroker: true });
    for (const rig of [sim, withMosquitto]) rmSync(rig.dir, { recursive: true, force: true }); // never started
    expect([...bench.capabilities].sort()).toEqual(['instruments', 'power-cut']);
    expect(sim.capabilities.has('backend-restart')).toBe(true);
    expect(sim.capabilities.has('broker-restart')).toBe(false);
    expect(withMosquitto.capabilities.has('broker-restart')).toBe(true);
    expect(skipReason(bench, ['power-cut', 'instruments'])).toBeUndefined();
    expect(skipReason(bench, ['backend-restart', 'flash-power-cut'])).toBe(
      '[skipped on the bench rig: it cannot kill and restart the backend process; cut the power inside a flash write]',
    );
    expect(itWith(sim, ['backend-restart'])).toBe(it);
    expect(itWith(bench, ['backend-restart'])).not.toBe(it);
  });

  it('should refuse virtual-meter options on a bench before touching anything', async () => {
    const bench = createRig({}, { HIL_RIG: 'bench', HIL_BENCH_CONFIG: EXAMPLE });
    await expect(bench.startMeters({ count: 1, intervalS: 1, speed: 10 })).rejects.toThrow('speed is not supported on a bench rig');
    await expect(bench.startMeters({ count: 1, intervalS: 1, extraArgs: ['--journal', 'x'] })).rejects.toThrow('extraArgs is not supported');
    await expect(bench.startMeters({ count: 4, intervalS: 1 })).rejects.toThrow('scenario wants 4 meters, the bench has 3');
    await expect(bench.killBackend()).rejects.toThrow('killBackend is not supported on a bench rig');
    await expect(bench.stopMeters()).rejects.toThrow('use killMeters (power cut)');
  });
});
