/**
 * `npm run hil -- --rig bench --config FILE --suite production --serial SERIAL [--device ID]`: one
 * meter's production test on the bench (production-test.ts), its record signed with the station
 * key, and the reports written under the config's production.outputDir (default hil-output/production,
 * git-ignored): <serial>/<time>/junit.xml, report.html, record.json, record.sig.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { benchRestToken, loadBenchConfig } from '../rig/bench-config';
import { BenchRig } from '../rig/bench-rig';
import { REPO_ROOT } from '../rig/managed-process';
import { runProductionChecks } from './production-test';
import { htmlReport, junitXml } from './report';
import { loadStationKey, signRecord, TestRecord } from './test-record';

export interface ProductionRun {
  configPath: string;
  serial: string;
  /** The meter in the fixture; default the config's dut. */
  device?: string;
  quick?: boolean;
  failFast?: boolean;
  log?: (line: string) => void;
}

export async function runProductionTest(run: ProductionRun): Promise<{ result: 'pass' | 'fail'; record: TestRecord; dir: string; files: string[] }> {
  const config = loadBenchConfig(run.configPath);
  const production = config.production;
  if (!production) throw new Error(`bench config ${run.configPath} has no "production" section (firmware, stationId, stationKeyFile): docs/hil.md`);
  const base = dirname(resolve(run.configPath));
  const key = loadStationKey(resolve(base, production.stationKeyFile));
  const deviceId = run.device ?? config.dut ?? config.meters[0];
  if (!config.meters.includes(deviceId)) throw new Error(`device ${deviceId} is not on this bench (config "meters")`);
  const rig = new BenchRig({ ...config, dut: deviceId }, fetch, benchRestToken(config, run.configPath));
  const log = run.log ?? (() => undefined);
  log(`production test of ${run.serial} (${deviceId}) on ${config.name ?? run.configPath}`);
  await rig.start();
  let record: TestRecord;
  try {
    record = {
      v: 1,
      ...(await runProductionChecks({
        rig,
        serial: run.serial,
        deviceId,
        firmware: production.firmware,
        stationId: production.stationId,
        quick: run.quick,
        failFast: run.failFast,
        log,
      })),
    };
  } finally {
    await rig.stop();
  }
  const signature = signRecord(record, key);
  const stamp = record.startedAt.replace(/[:.]/g, '-');
  const dir = join(production.outputDir ? resolve(base, production.outputDir) : join(REPO_ROOT, 'hil-output', 'production'), run.serial, stamp);
  mkdirSync(dir, { recursive: true });
  const files = {
    'junit.xml': junitXml(record),
    'report.html': htmlReport(record, signature),
    'record.json': `${JSON.stringify(record, null, 2)}\n`,
    'record.sig.json': `${JSON.stringify(signature, null, 2)}\n`,
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { result: record.result, record, dir, files: Object.keys(files).map((name) => join(dir, name)) };
}
