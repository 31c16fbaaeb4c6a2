/**
 * Node-only: loads the tracebase fixtures from ../shared/fixtures/power-traces (ODbL, see
 * README.md for the attribution). The portable simulation takes the parsed traces as data.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApplianceTraces, PowerTrace } from './power-trace';

export const FIXTURE_TRACE_DIR = path.resolve(__dirname, '../../../shared/fixtures/power-traces');

export const FIXTURE_TRACE_FILES = Object.freeze({
  fridge: 'tracebase_Refrigerator_dev_D32131_2012.06.12.csv',
  kettle: 'tracebase_WaterKettle_dev_D33E1F_2012.06.29.csv',
  washer: 'tracebase_Washingmachine_dev_D338C9_2012.06.29.csv',
});

let cached: ApplianceTraces | undefined;

export function loadFixtureTraces(directory = FIXTURE_TRACE_DIR): ApplianceTraces {
  if (cached && directory === FIXTURE_TRACE_DIR) return cached;
  const traces: ApplianceTraces = {};
  for (const [key, file] of Object.entries(FIXTURE_TRACE_FILES) as [keyof ApplianceTraces, string][]) {
    traces[key] = PowerTrace.parseTracebase(file, fs.readFileSync(path.join(directory, file), 'utf8'));
  }
  if (directory === FIXTURE_TRACE_DIR) cached = traces;
  return traces;
}
