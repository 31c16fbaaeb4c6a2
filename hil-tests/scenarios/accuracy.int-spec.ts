/**
 * Accuracy against IEC 62053-21 class 1 (support/iec62053.ts): at each test point the source holds
 * 230 V 50 Hz, the load draws the point's current at its power factor through one circuit of the
 * meter in the fixture, and the meter's telemetry (as stored in InfluxDB) is compared with the
 * reference meter over the same window. The errors are printed as a table and asserted against
 * the class limits. Runs on any rig with instruments: the simulated rig does the same operations on
 * the simulated circuits, a bench (real or emulated) drives the source and load over SCPI and reads
 * the SDM630 over Modbus TCP.
 *
 * HIL_QUICK=1 (npm test): 7 points, 2 records each. Otherwise all 17 points, 5 records each.
 * HIL_ACCURACY_CIRCUIT selects the circuit (default 1).
 */
import { createRig, describeWith, eventually } from '../rig';
import { compareWithReference, errorPercent } from '../rig/measure';
import { CLASS_1_POINTS, CLASS_1_QUICK_POINTS, pfLabel, TestPoint } from './support/iec62053';

jest.setTimeout(600_000);

const QUICK = process.env.HIL_QUICK === '1';
const POINTS = QUICK ? CLASS_1_QUICK_POINTS : CLASS_1_POINTS;
const RECORDS = QUICK ? 2 : 5;
const CIRCUIT = Number(process.env.HIL_ACCURACY_CIRCUIT ?? 1);
const INTERVAL_S = 1;
/** After the load changes: the chip's next measurement, then the record after it. */
const SETTLE_MS = 2200;

interface Row {
  point: TestPoint;
  referenceW: number;
  meterW: number;
  referenceA: number;
  meterA: number;
  errorPercent: number;
}

function table(rows: Row[]): string {
  const head = ['point', 'I (A)', 'PF', 'ref P (W)', 'meter P (W)', 'ref I (A)', 'meter I (A)', 'error %', 'limit %', ''];
  const lines = rows.map((r) => [
    r.point.label,
    r.point.currentA.toFixed(2),
    pfLabel(r.point),
    r.referenceW.toFixed(2),
    r.meterW.toFixed(2),
    r.referenceA.toFixed(3),
    r.meterA.toFixed(3),
    (r.errorPercent >= 0 ? '+' : '') + r.errorPercent.toFixed(3),
    `±${r.point.limitPercent.toFixed(1)}`,
    Math.abs(r.errorPercent) <= r.point.limitPercent ? 'ok' : 'FAIL',
  ]);
  const widths = head.map((h, k) => Math.max(h.length, ...lines.map((l) => l[k].length)));
  const format = (cells: string[]) => cells.map((c, k) => c.padStart(widths[k])).join('  ');
  return [format(head), format(widths.map((w) => '-'.repeat(w))), ...lines.map(format)].join('\n');
}

const rig = createRig();

describeWith(rig, ['instruments'])('accuracy: IEC 62053-21 class 1 test points, meter vs reference meter', () => {
  let dut = '';

  beforeAll(async () => {
    await rig.start();
    await rig.startMeters({ count: 1, intervalS: INTERVAL_S });
    dut = rig.instruments!.dut;
    await rig.instruments!.setSupply(230, 50);
    await eventually(async () => (await rig.rest('GET', `/devices/${dut}`)).body?.lastTelemetrySeq >= 2, 60_000, `${dut} reporting`);
  });

  afterAll(async () => {
    await rig.instruments?.loadOff().catch(() => undefined);
    await rig.stop();
  });

  it(`should meter active power within the class 1 limits at ${POINTS.length} test points`, async () => {
    const instruments = rig.instruments!;
    const rows: Row[] = [];
    for (const point of POINTS) {
      await instruments.applyLoad(CIRCUIT, point);
      const { meter, reference } = await compareWithReference(rig, { device: dut, circuit: CIRCUIT, records: RECORDS, intervalS: INTERVAL_S, settleMs: SETTLE_MS });
      rows.push({
        point,
        referenceW: reference.powerW,
        meterW: meter.powerW,
        referenceA: reference.currentA,
        meterA: meter.currentA,
        errorPercent: errorPercent(meter.powerW, reference.powerW),
      });
    }
    await instruments.loadOff();
    process.stdout.write(
      `\naccuracy (${rig.kind} rig, ${dut} circuit ${CIRCUIT}, ${RECORDS} records per point, IEC 62053-21 class 1, Ib ${CLASS_1_POINTS.find((p) => p.label === 'Ib')!.currentA} A):\n${table(rows)}\n`,
    );
    const failures = rows.filter((r) => !(Math.abs(r.errorPercent) <= r.point.limitPercent));
    expect(failures.map((r) => `${r.point.label} PF ${pfLabel(r.point)}: ${r.errorPercent.toFixed(3)} %`)).toEqual([]);
    expect(rows).toHaveLength(POINTS.length);
  });
});
