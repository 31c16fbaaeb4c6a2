/**
 * The production test on an emulated bench (virtual meters whose chips are off by up to ±2 %,
 * seeded, behind emulated SCPI and Modbus instruments): a good unit passes, is calibrated to within
 * ±0.5 % on every circuit and gets a signed record; a unit with a dead metering chip on circuit 4
 * fails at the chip check, named, with the rest skipped (fail-fast).
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmulatedBench } from '../emulated/emulated-bench';
import { PRODUCTION_LIMITS } from './production-test';
import { runProductionTest } from './production-run';
import { RecordSignature, TestRecord, verifyRecord } from './test-record';

jest.setTimeout(300_000);

const lines: string[] = [];
const log = (line: string) => lines.push(line);

describe('production test on the emulated bench', () => {
  const bench: EmulatedBench = new EmulatedBench({
    meters: ['pt-good', 'pt-dead-chip'],
    productionOutputDir: join(tmpdir(), `dinmeter-production-${process.pid}`),
    frontEndTolerance: 0.02,
    defects: [{ meter: 'pt-dead-chip', circuit: 4, fault: 'dead' }],
  });

  beforeAll(async () => {
    await bench.start();
  });

  afterAll(async () => {
    if (lines.length) process.stdout.write(`${lines.join('\n')}\n`);
    await bench.stop();
  });

  it('should pass a good unit, calibrate every circuit to within ±0.5 % and sign its record', async () => {
    const run = await runProductionTest({ configPath: bench.configPath, serial: 'SN-0001', quick: true, log });
    const { record } = run;
    expect(record.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.message}`)).toEqual([]);
    expect(run.result).toBe('pass');
    expect(record.deviceId).toBe('pt-good');

    // The parts were off: calibration moved each circuit from its as-found error into the limit.
    const asFound = record.checks.filter((c) => / measure$/.test(c.name)).map((c) => (c.data as any).errorPercent.power as number);
    expect(asFound).toHaveLength(10);
    expect(Math.max(...asFound.map(Math.abs))).toBeGreaterThan(1); // some circuit outside class 1 before calibration
    for (const check of record.checks.filter((c) => / verify$/.test(c.name))) {
      const e = (check.data as any).errorPercent;
      expect(Math.max(Math.abs(e.voltage), Math.abs(e.current), Math.abs(e.power))).toBeLessThanOrEqual(PRODUCTION_LIMITS.calibratedPercent);
    }
    expect(Object.keys(record.calibration)).toHaveLength(10);
    expect(record.calibration['1']).not.toEqual({ ugain: 0x6720, igainL: 0x7a13, lgain: 0 });

    // Signed by the station; any change breaks the signature.
    const saved = JSON.parse(readFileSync(join(run.dir, 'record.json'), 'utf8')) as TestRecord;
    const signature = JSON.parse(readFileSync(join(run.dir, 'record.sig.json'), 'utf8')) as RecordSignature;
    expect(verifyRecord(saved, signature)).toBe(true);
    expect(verifyRecord({ ...saved, result: 'fail' }, signature)).toBe(false);
    expect(verifyRecord({ ...saved, calibration: { ...saved.calibration, '1': { ...saved.calibration['1'], lgain: 0 } } }, signature)).toBe(false);

    const junit = readFileSync(join(run.dir, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<testsuite name="production SN-0001" tests="47" failures="0" skipped="0"/);
    const html = readFileSync(join(run.dir, 'report.html'), 'utf8');
    expect(html).toContain('<div class="verdict">PASS</div>');
    expect(html).toContain(signature.signature);
  });

  it('should fail a unit with a dead metering chip, name the circuit and skip the rest', async () => {
    bench.insert('pt-dead-chip');
    const run = await runProductionTest({ configPath: bench.configPath, serial: 'SN-0002', device: 'pt-dead-chip', quick: true, failFast: true, log });
    expect(run.result).toBe('fail');
    const byName = new Map(run.record.checks.map((c) => [c.name, c]));
    expect(byName.get('firmware')?.ok).toBe(true);
    expect(byName.get('chips')).toMatchObject({ ok: false, message: expect.stringMatching(/^1 chip\(s\) not ok — circuit 4: failed/) });
    expect(byName.get('circuit 1 measure')).toMatchObject({ skipped: true });
    expect(run.record.calibration).toEqual({});
    const junit = readFileSync(join(run.dir, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/failures="1" skipped="\d+"/);
    expect(junit).toContain('<failure message="1 chip(s) not ok — circuit 4: failed');
    expect(readFileSync(join(run.dir, 'report.html'), 'utf8')).toContain('<div class="verdict">FAIL</div>');
  });
});
