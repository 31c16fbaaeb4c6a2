/**
 * Accuracy of the whole chip path (driver + register model + board calibration) against the
 * simulated ground truth, at the IEC 62053-21 class 1 test points for a 10(60) A meter:
 *   PF 1:              0.05 Ib ≤ I < 0.1 Ib ±1.5 %, 0.1 Ib ≤ I ≤ Imax ±1.0 %
 *   PF 0.5 ind/0.8 cap: 0.1 Ib ≤ I < 0.2 Ib ±1.5 %, 0.2 Ib ≤ I ≤ Imax ±1.0 %
 * Reactive energy against IEC 62053-23 class 2 (±2 %).
 */
import { BOARD_CALIBRATION, BOARD_RATING } from '../board/front-end';
import { Metering } from '../core/metering/metering';
import { correctedGain, correctedLgain } from '../drivers/atm90e26/atm90e26.calibration';
import { createSimulatedBoard } from './simulated-board';

const START = Date.UTC(2024, 0, 15, 12, 0, 0);
const IB = BOARD_RATING.basicCurrentA;
const IMAX = BOARD_RATING.maxCurrentA;

interface Point {
  current: number;
  pf: number;
  lagging: boolean;
  limit: number;
}

const POINTS: Point[] = [
  { current: 0.05 * IB, pf: 1, lagging: true, limit: 0.015 },
  { current: 0.1 * IB, pf: 1, lagging: true, limit: 0.01 },
  { current: IB, pf: 1, lagging: true, limit: 0.01 },
  { current: IMAX, pf: 1, lagging: true, limit: 0.01 },
  { current: 0.1 * IB, pf: 0.5, lagging: true, limit: 0.015 },
  { current: 0.2 * IB, pf: 0.5, lagging: true, limit: 0.01 },
  { current: IMAX, pf: 0.5, lagging: true, limit: 0.01 },
  { current: 0.1 * IB, pf: 0.8, lagging: false, limit: 0.015 },
  { current: 0.2 * IB, pf: 0.8, lagging: false, limit: 0.01 },
  { current: IMAX, pf: 0.8, lagging: false, limit: 0.01 },
];

/** Runs `seconds` of one forced load with a poll per second; returns metered vs true deltas. */
function measure(point: Point, seconds: number, options: { tolerance?: number; calibration?: object } = {}) {
  const board = createSimulatedBoard({ startMs: START, circuits: [{ kind: 'empty' }], frontEndTolerance: options.tolerance, seed: 3, stepMs: 200 });
  const metering = new Metering({ bus: board.bus, selects: board.selects.slice(0, 1), calibration: BOARD_CALIBRATION });
  if (options.calibration) metering.setCalibration(1, options.calibration);
  metering.start(START);
  board.world.circuit(1).forceCurrentA(point.current, point.pf, point.lagging);
  board.advanceTo(START + 1000);
  metering.poll(START + 1000); // discard the settling second
  const t0 = { ...board.world.circuit(1).truth };
  const m0 = metering.totals()[0];
  let reading;
  for (let s = 2; s <= seconds + 1; s++) {
    board.advanceTo(START + s * 1000);
    reading = metering.poll(START + s * 1000).readings[0];
  }
  const truth = board.world.circuit(1);
  const m1 = metering.totals()[0];
  return {
    meteredWh: m1.importWh - m0.importWh,
    trueWh: truth.truth.importWh - t0.importWh,
    meteredVarh: m1.reactiveImportVarh + m1.reactiveExportVarh - m0.reactiveImportVarh - m0.reactiveExportVarh,
    trueVarh: truth.truth.reactiveImportVarh + truth.truth.reactiveExportVarh - t0.reactiveImportVarh - t0.reactiveExportVarh,
    reading: reading!,
    state: truth.state,
    metering,
  };
}

const error = (measured: number, truth: number): number => Math.abs(measured - truth) / Math.abs(truth);

describe('chip path accuracy (IEC 62053-21 class 1)', () => {
  for (const point of POINTS) {
    const label = `${point.current} A, PF ${point.pf} ${point.lagging ? 'inductive' : 'capacitive'}`;
    it(`should meter active energy and power within ±${point.limit * 100} % at ${label}`, () => {
      const result = measure(point, 300);
      expect(error(result.meteredWh, result.trueWh)).toBeLessThanOrEqual(point.limit);
      expect(error(result.reading.power_w, result.state.pW)).toBeLessThanOrEqual(point.limit);
      expect(error(result.reading.current_a, result.state.irms)).toBeLessThanOrEqual(point.limit);
      if (point.pf < 1 && point.current >= 0.2 * IB) expect(error(result.meteredVarh, result.trueVarh)).toBeLessThanOrEqual(0.02);
    });
  }

  it('should fail class 1 with ±3 % front-end parts until calibrated against a reference', () => {
    const point = { current: IB, pf: 1, lagging: true, limit: 0.01 };
    // Circuit 1's seeded scatter with seed 3 is well outside 1 % (checked below).
    const raw = measure(point, 60, { tolerance: 0.03 });
    expect(error(raw.meteredWh, raw.trueWh)).toBeGreaterThan(0.01);

    const cal = raw.metering.calibration(1);
    const calibration = {
      ugain: correctedGain(cal.ugain, raw.reading.voltage_v, raw.state.vrms),
      igainL: correctedGain(cal.igainL, raw.reading.current_a, raw.state.irms),
      lgain: correctedLgain(cal.lgain, raw.meteredWh, raw.trueWh),
    };
    for (const p of POINTS) {
      const fixed = measure(p, 300, { tolerance: 0.03, calibration });
      expect(error(fixed.meteredWh, fixed.trueWh)).toBeLessThanOrEqual(p.limit);
      expect(error(fixed.reading.voltage_v, fixed.state.vrms)).toBeLessThanOrEqual(0.005);
    }
  });
});
