/**
 * One measurement with a rig's instruments: over a window of whole telemetry records, the mean of
 * the reference meter (polled) against the mean of the meter's own records (as stored in InfluxDB).
 * Both are taken over the same wall-clock window, after the load settled.
 */
import { Rig } from './rig';
import { eventually } from './simulated-rig';

export interface WindowMeans {
  voltageV: number;
  currentA: number;
  powerW: number;
}

export interface Comparison {
  meter: WindowMeans;
  reference: WindowMeans;
  records: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

export async function compareWithReference(
  rig: Rig,
  options: { device: string; circuit: number; records: number; intervalS: number; settleMs: number },
): Promise<Comparison> {
  const instruments = rig.instruments;
  if (!instruments) throw new Error(`the ${rig.kind} rig has no instruments`);
  await sleep(options.settleMs);
  const from = Date.now();
  const reference: WindowMeans[] = [];
  while (Date.now() - from < options.records * options.intervalS * 1000) {
    const r = await instruments.readReference();
    reference.push({ voltageV: r.voltageV, currentA: r.currentA, powerW: r.powerW });
    await sleep(200);
  }
  const to = Date.now();
  const rows = await eventually(
    async () => {
      const found = await rig.influxQuery(
        `SELECT "voltage_v", "current_a", "power_w" FROM "circuit" WHERE "device" = '${options.device}' AND "circuit" = '${options.circuit}' AND time >= ${from}ms AND time <= ${to}ms`,
      );
      return found.length >= options.records ? found : undefined;
    },
    20_000,
    `${options.records} records of ${options.device} circuit ${options.circuit}`,
  );
  return {
    records: rows.length,
    reference: {
      voltageV: mean(reference.map((r) => r.voltageV)),
      currentA: mean(reference.map((r) => r.currentA)),
      powerW: mean(reference.map((r) => r.powerW)),
    },
    meter: {
      voltageV: mean(rows.map((r) => r.voltage_v as number)),
      currentA: mean(rows.map((r) => r.current_a as number)),
      powerW: mean(rows.map((r) => r.power_w as number)),
    },
  };
}

/** Relative error in percent of `measured` against `reference`. */
export function errorPercent(measured: number, reference: number): number {
  return ((measured - reference) / reference) * 100;
}
