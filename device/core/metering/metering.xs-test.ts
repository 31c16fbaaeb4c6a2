/**
 * Portable vectors for Metering over the simulated board (driver + chip model + world).
 */
import { CIRCUIT_METRIC_FIELDS, decodeMessage, encodeMessage, MAX_PAYLOAD_BYTES, TelemetryMessage } from '@dinmeter/shared';
import { BOARD_CALIBRATION } from '../../board/front-end';
import { createSimulatedBoard, SimulatedBoard } from '../../sim/simulated-board';
import { check, checkClose, checkEqual, checkRelative, checkThrows, XsTest } from '../../xs/harness';
import { Metering, MeteringFault } from './metering';

const START = 1_718_000_000_000; // 2024-06-10 06:13:20 UTC

function rig(options: { circuits?: Parameters<typeof createSimulatedBoard>[0]['circuits'] } = {}) {
  const board = createSimulatedBoard({
    startMs: START,
    seed: 7,
    circuits: options.circuits ?? Array.from({ length: 10 }, (_, k) => ({ kind: 'resistive' as const, watts: 100 * (k + 1) })),
  });
  const faults: MeteringFault[] = [];
  const changes: string[] = [];
  const metering = new Metering({
    bus: board.bus,
    selects: board.selects,
    calibration: BOARD_CALIBRATION,
    onFault: (f) => faults.push(f),
    onHealthChange: (h, previous) => changes.push(`${h.circuit}:${previous}>${h.state}`),
  });
  return { board, metering, faults, changes };
}

function run(board: SimulatedBoard, metering: Metering, fromS: number, toS: number) {
  let snapshot = metering.poll(START + fromS * 1000);
  for (let s = fromS + 1; s <= toS; s++) {
    board.advanceTo(START + s * 1000);
    snapshot = metering.poll(START + s * 1000);
  }
  return snapshot;
}

const tests: XsTest[] = [
  {
    name: 'metering: ten circuits read through driver and chip model, energy tracks the truth',
    run() {
      const { board, metering } = rig();
      const health = metering.start(START);
      checkEqual(health.filter((h) => h.state === 'ok').length, 10, 'all chips ok');
      const snapshot = run(board, metering, 0, 120);
      checkEqual(snapshot.readings.length, 10);
      for (const r of snapshot.readings) {
        const truth = board.world.circuit(r.circuit);
        checkRelative(r.power_w, truth.state.pW, 0.01, `P of circuit ${r.circuit}`);
        checkRelative(r.energy_import_wh, truth.truth.importWh, 0.01, `Wh of circuit ${r.circuit}`);
        checkEqual(r.energy_export_wh, 0, 'no export');
      }
    },
  },
  {
    name: 'metering: a relay that opens stops current and energy on its circuit only',
    run() {
      const { board, metering } = rig();
      metering.start(START);
      run(board, metering, 0, 10);
      board.relays.set(3, false);
      const before = metering.totals()[2].importWh;
      const other = metering.totals()[3].importWh;
      const snapshot = run(board, metering, 10, 30);
      const r3 = snapshot.readings.find((r) => r.circuit === 3)!;
      checkEqual(r3.current_a, 0, 'no current');
      checkEqual(r3.power_w, 0, 'no power');
      checkClose(metering.totals()[2].importWh, before, 0.04, 'energy stops (one count may be in flight)');
      check(metering.totals()[3].importWh > other + 1, 'circuit 4 keeps counting');
    },
  },
  {
    name: 'metering: a dead chip is reported and retried with back-off; the other nine keep going',
    run() {
      const { board, metering, faults, changes } = rig();
      metering.start(START);
      board.faults.setChipFault(5, 'dead');
      let snapshot = run(board, metering, 0, 5);
      checkEqual(snapshot.readings.length, 9);
      checkEqual(snapshot.health[4].state, 'failed');
      check(/bus/.test(snapshot.health[4].fault ?? ''), `fault text: ${snapshot.health[4].fault}`);
      checkEqual(faults[0].circuit, 5);
      const attempts = faults.length;
      snapshot = run(board, metering, 5, 12);
      check(faults.length - attempts <= 3, `back-off limits retries: ${faults.length - attempts} in 7 s`);
      board.faults.setChipFault(5, 'none');
      snapshot = run(board, metering, 12, 80);
      checkEqual(snapshot.readings.length, 10, 'back after the fault clears');
      check(changes.includes('5:ok>failed') && changes.includes('5:failed>ok'), changes.join(' '));
    },
  },
  {
    name: 'metering: totals restore from a baseline and fold across a calibration change',
    run() {
      const { board, metering } = rig();
      metering.start(START);
      metering.restoreTotals([{ circuit: 2, importWh: 1000, exportWh: 5, reactiveImportVarh: 0, reactiveExportVarh: 0 }]);
      run(board, metering, 0, 36); // 200 W for 36 s = 2 Wh
      checkClose(metering.totals()[1].importWh, 1002, 0.05, 'restored + new');
      checkEqual(metering.totals()[1].exportWh, 5);
      const before = metering.totals()[1].importWh;
      check(metering.setCalibration(2, { ctRatio: 1, meterConstant: 1600, plconst: BOARD_CALIBRATION.plconst * 2 }), 'recalibrate');
      checkClose(metering.totals()[1].importWh, before, 1e-9, 'folded at the old constant');
      run(board, metering, 36, 72);
      checkClose(metering.totals()[1].importWh, before + 2, 0.1, 'new constant converts right');
      checkThrows(() => metering.restoreTotals([{ circuit: 11, importWh: 0, exportWh: 0, reactiveImportVarh: 0, reactiveExportVarh: 0 }]), /no circuit 11/);
      checkThrows(() => metering.restoreTotals([{ circuit: 1, importWh: -1, exportWh: 0, reactiveImportVarh: 0, reactiveExportVarh: 0 }]), /≥ 0: -1/);
    },
  },
  {
    name: 'metering: export (PV) counts on the export register with negative power',
    run() {
      const { board, metering } = rig({ circuits: [{ kind: 'empty' }] });
      metering.start(START);
      board.world.circuit(1).forceCurrentA(10, -1);
      const snapshot = run(board, metering, 0, 60);
      const r = snapshot.readings[0];
      check(r.power_w < -2000, `power ${r.power_w}`);
      checkRelative(r.energy_export_wh, board.world.circuit(1).truth.exportWh, 0.01, 'export Wh');
      checkEqual(r.energy_import_wh, 0);
    },
  },
  {
    name: 'metering: every metric of the table is in a reading; the phase angle follows the load (lagging, leading, export)',
    run() {
      const { board, metering } = rig({ circuits: [{ kind: 'empty' }, { kind: 'empty' }, { kind: 'empty' }] });
      metering.start(START);
      board.world.circuit(1).forceCurrentA(10, 0.8, true);
      board.world.circuit(2).forceCurrentA(10, 0.8, false);
      board.world.circuit(3).forceCurrentA(10, -0.8, true);
      const snapshot = run(board, metering, 0, 10);
      for (const r of snapshot.readings) {
        for (const field of CIRCUIT_METRIC_FIELDS) check(typeof r[field] === 'number', `circuit ${r.circuit} ${field}`);
        checkClose(r.angle_deg!, (Math.atan2(r.reactive_var, r.power_w) * 180) / Math.PI, 0.2, `angle of circuit ${r.circuit} against P and Q`);
      }
      const angle = (circuit: number) => snapshot.readings[circuit - 1].angle_deg!;
      checkClose(angle(1), 36.9, 0.2, 'lagging pf 0.8');
      checkClose(angle(2), -36.9, 0.2, 'leading pf 0.8');
      checkClose(Math.abs(angle(3)), 143.1, 0.2, 'exporting at pf 0.8');
    },
  },
  {
    name: 'metering: a 10-circuit telemetry record encodes, fits the size limit and decodes equal',
    run() {
      const { board, metering } = rig();
      metering.start(START);
      const snapshot = run(board, metering, 0, 3);
      const message: TelemetryMessage = { v: 1, seq: 1, acked_seq: 0, ts: START + 3000, interval_s: 10, circuits: snapshot.readings };
      const text = encodeMessage('telemetry', message);
      check(text.length < MAX_PAYLOAD_BYTES.telemetry, `${text.length} bytes`);
      const decoded = decodeMessage('telemetry', text);
      check(decoded.ok, decoded.ok ? '' : decoded.errors.join('; '));
      if (decoded.ok) checkEqual(decoded.value.circuits[9].power_w, snapshot.readings[9].power_w);
    },
  },
];

export default tests;
