/**
 * Portable vectors for the ATM90E26 driver: frames, checksums, scaling, start-up sequence and
 * fault handling against the register-level chip model (device/sim). Run in Node and in XS.
 */
import { BOARD_CALIBRATION, BOARD_FRONT_END } from '../../board/front-end';
import type { ChipSelect, SpiBus } from '../bus';
import { Atm90e26Model } from '../../sim/atm90e26.model';
import { SimSpiBus } from '../../sim/sim-spi-bus';
import { check, checkClose, checkEqual, checkThrows, XsTest } from '../../xs/harness';
import { Atm90e26, Atm90e26Fault } from './atm90e26.driver';
import { atm90e26Checksum } from './atm90e26.checksum';
import { correctedGain, meteringBlock, measurementBlock, plconstFor, resolveCalibration } from './atm90e26.calibration';
import { decodeWord, encodeWord } from './atm90e26.measurements';
import { whPerCount } from './atm90e26.energy';
import { REG } from './atm90e26.registers';

/** Records every frame (as [first byte, data word]) between chip-select edges, answering with a fixed word. */
class RecordingBus implements SpiBus {
  frames: [number, number][] = [];
  selectLow = false;
  edges: string[] = [];
  constructor(private readonly answer = 0x1234) {}
  readonly select: ChipSelect = {
    write: (level) => {
      this.selectLow = level === 0;
      this.edges.push(level === 0 ? 'low' : 'high');
    },
  };
  transfer(buffer: Uint8Array): void {
    if (!this.selectLow) throw new Error('transfer with chip select high');
    this.frames.push([buffer[0], (buffer[1] << 8) | buffer[2]]);
    buffer[1] = this.answer >> 8;
    buffer[2] = this.answer & 0xff;
  }
}

function rig(chips = 1) {
  const models = Array.from({ length: chips }, () => new Atm90e26Model({ nominal: BOARD_FRONT_END }));
  const bus = new SimSpiBus(models);
  const faults: Atm90e26Fault[] = [];
  const drivers = models.map(
    (_m, k) => new Atm90e26({ bus, select: bus.selects[k], baseCalibration: BOARD_CALIBRATION, onFault: (f) => faults.push(f) }),
  );
  return { models, bus, drivers, faults };
}

/** 230 V, `amps` at `pf` lagging, for `seconds`, fed straight into a model. */
function drive(model: Atm90e26Model, amps: number, pf: number, seconds: number): void {
  const p = 230 * amps * pf;
  const q = 230 * amps * Math.sin(Math.acos(pf));
  for (let k = 0; k < seconds * 50; k++) model.advance({ vrms: 230, irms: amps, pW: p, qVar: q, freqHz: 50 }, 0.02);
}

const tests: XsTest[] = [
  {
    name: 'atm90e26: CS1/CS2 match the check values of docs/atm90e26.md',
    run() {
      checkEqual(atm90e26Checksum([0x00b9, 0xc1f3, 0x1d39, 0, 0, 0, 0x08bd, 0, 0x0aec, 0, 0x9422]), 0x4a34, 'CS1');
      checkEqual(atm90e26Checksum([0xd464, 0x6e49, 0x7530, 0, 0, 0, 0, 0, 0, 0]), 0xd294, 'CS2');
      checkThrows(() => atm90e26Checksum([0x10000]), /not a 16-bit value: 65536/);
    },
  },
  {
    name: 'atm90e26: read frame is 0x80|address then 16 data bits, framed by chip select',
    run() {
      const bus = new RecordingBus(0xbeef);
      const chip = new Atm90e26({ bus, select: bus.select });
      bus.edges.length = 0;
      checkEqual(chip.readRegister(REG.Urms), 0xbeef, 'value');
      checkEqual(bus.frames.length, 1, 'one frame');
      checkEqual(bus.frames[0][0], 0xc9, 'R/W bit | 0x49');
      checkEqual(bus.edges.join(','), 'low,high', 'CS');
      checkThrows(() => chip.readRegister(0x80), /0\.\.0x7f: 128/);
    },
  },
  {
    name: 'atm90e26: start-up writes in the documented order and verifies each write',
    run() {
      const { models, drivers } = rig();
      const writes: number[] = [];
      const bus = new SimSpiBus(models);
      const spy: SpiBus = {
        transfer(buffer) {
          if (!(buffer[0] & 0x80)) writes.push(buffer[0]);
          bus.transfer(buffer);
        },
      };
      const chip = new Atm90e26({ bus: spy, select: bus.selects[0], baseCalibration: BOARD_CALIBRATION });
      check(chip.configure(), `configure failed: ${chip.fault}`);
      const expected = [
        REG.SoftReset, REG.FuncEn, REG.SagTh, REG.CalStart,
        ...[0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b], REG.CS1, REG.AdjStart,
        ...[0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a], REG.CS2, REG.CalStart, REG.AdjStart,
      ];
      checkEqual(writes.join(','), expected.join(','), 'write order');
      const r = models[0].registers;
      checkEqual(r[REG.CS1], atm90e26Checksum(meteringBlock(chip.calibration)), 'CS1 in chip');
      checkEqual(r[REG.CS2], atm90e26Checksum(measurementBlock(chip.calibration)), 'CS2 in chip');
      checkEqual(r[REG.SysStatus], 0, 'no checksum error');
      checkEqual(chip.state, 'ok');
      checkEqual(drivers[0].state, 'failed', 'an unconfigured driver is not ok');
    },
  },
  {
    name: 'atm90e26: register encodings (sign-magnitude PowerF, two’s complement Pmean)',
    run() {
      checkEqual(decodeWord(0x8320, 'sign-magnitude'), -800);
      checkEqual(decodeWord(0x0320, 'sign-magnitude'), 800);
      checkEqual(decodeWord(0xfc18, 'twos-complement'), -1000);
      checkEqual(encodeWord(-0.8 * 1000, 'sign-magnitude'), 0x8320);
      checkEqual(encodeWord(-40000, 'twos-complement'), 0x8000, 'clamps');
      checkEqual(encodeWord(70000, 'unsigned'), 0xffff, 'clamps');
    },
  },
  {
    name: 'atm90e26: ESPHome PLconst formula and calibration validation',
    run() {
      checkClose(plconstFor({ pga: 1, currentMvPerA: 6, voltageMvAtVref: 193, vrefV: 230, meterConstant: 3200 }), 1319838, 1);
      checkThrows(() => resolveCalibration({ pga: 3 as never }), /pga/);
      checkThrows(() => resolveCalibration({ ugain: 70000 }), /ugain/);
      checkEqual(correctedGain(26400, 231, 230), 26286);
      checkEqual(whPerCount(3200, 1), 0.03125);
    },
  },
  {
    name: 'atm90e26: measurements are scaled from the one table (230 V, 10 A, PF 0.8 lagging)',
    run() {
      const { models, drivers } = rig();
      check(drivers[0].configure(), 'configure');
      drive(models[0], 10, 0.8, 1);
      const result = drivers[0].poll();
      check(result !== undefined, 'poll');
      const r = result!.reading;
      checkClose(r.voltage_v, 230, 0.01, 'V');
      checkClose(r.current_a, 10, 0.001, 'A');
      checkClose(r.power_w, 1840, 1, 'W');
      checkClose(r.reactive_var, 1380, 1, 'var');
      checkClose(r.apparent_va, 2300, 1, 'VA');
      checkClose(r.pf, 0.8, 0.001, 'pf');
      checkClose(r.freq_hz, 50, 0.01, 'Hz');
      checkClose(r.angle_deg, 36.9, 0.1, 'angle');
    },
  },
  {
    name: 'atm90e26: energy registers are read once per poll and the counts are exact',
    run() {
      const { models, drivers } = rig();
      check(drivers[0].configure(), 'configure');
      drive(models[0], 10, 1, 36); // 2300 W for 36 s = 23 Wh = 736 counts at 3200 imp/kWh
      const energy = drivers[0].readEnergy()!;
      checkClose(energy.activeImport, 736, 1, 'import counts');
      checkEqual(energy.activeExport, 0, 'export');
      checkEqual(models[0].registers[REG.APenergy], 0, 'clear on read');
      checkEqual(drivers[0].readEnergy()!.activeImport, 0, 'nothing new');
    },
  },
  {
    name: 'atm90e26: a dead chip fails alone; the other chips on the bus keep metering',
    run() {
      const { models, drivers, faults } = rig(3);
      models[1].setFault('dead');
      check(drivers[0].configure(), 'chip 1');
      check(!drivers[1].configure(), 'chip 2 must fail');
      check(drivers[2].configure(), 'chip 3');
      checkEqual(drivers[1].state, 'failed');
      checkEqual(faults[0].code, 'bus');
      drive(models[0], 1, 1, 1);
      drive(models[2], 2, 1, 1);
      checkClose(drivers[0].poll()!.reading.current_a, 1, 0.001);
      checkClose(drivers[2].poll()!.reading.current_a, 2, 0.001);
      checkEqual(drivers[1].poll(), undefined, 'failed chip polls nothing');
    },
  },
  {
    name: 'atm90e26: a chip reset (FuncEn changed) is detected, re-initialised and reported',
    run() {
      const { models, drivers, faults } = rig();
      check(drivers[0].configure(), 'configure');
      models[0].powerOn();
      checkEqual(drivers[0].poll(), undefined, 'poll with the fault');
      checkEqual(faults.length, 1);
      checkEqual(faults[0].code, 'reset');
      check(faults[0].recovered, 'recovered');
      checkEqual(drivers[0].state, 'warning');
      checkEqual(models[0].registers[REG.FuncEn], 0x0030, 're-initialised');
      for (let k = 0; k < 10; k++) check(drivers[0].poll() !== undefined, 'clean poll');
      checkEqual(drivers[0].state, 'ok', 'warning clears after clean polls');
    },
  },
  {
    name: 'atm90e26: a checksum error stops the chip model metering and the driver repairs it',
    run() {
      const { models, drivers, faults } = rig();
      check(drivers[0].configure(), 'configure');
      models[0].corruptCalibration();
      check(!models[0].metering, 'model stops metering');
      drive(models[0], 5, 1, 1);
      checkEqual(models[0].registers[REG.APenergy], 0, 'no energy while stopped');
      checkEqual(drivers[0].poll(), undefined);
      checkEqual(faults[0].code, 'checksum');
      check(models[0].metering, 'metering again');
    },
  },
  {
    name: 'atm90e26: all-zero MISO reads are a bus fault, not a reading',
    run() {
      const { models, drivers, faults } = rig();
      check(drivers[0].configure(), 'configure');
      models[0].setFault('miso-low');
      checkEqual(drivers[0].poll(), undefined);
      checkEqual(drivers[0].state, 'failed');
      checkEqual(faults[0].code, 'bus');
      models[0].setFault('none');
      check(drivers[0].configure(), 'comes back once the bus is fixed');
    },
  },
  {
    name: 'atm90e26: CT ratio scales current, power and energy conversion',
    run() {
      const { models, drivers } = rig();
      check(drivers[0].setCalibration({ ctRatio: 2 }), 'calibrate');
      drive(models[0], 5, 1, 1); // the chip sees 5 A; the line carries 10 A
      const r = drivers[0].poll()!.reading;
      checkClose(r.current_a, 10, 0.002);
      checkClose(r.power_w, 2300, 2);
      checkThrows(() => drivers[0].setCalibration({ ctRatio: -1 }), /ctRatio/);
      checkEqual(drivers[0].calibration.ctRatio, 2, 'a rejected calibration changes nothing');
    },
  },
  {
    name: 'atm90e26: ctReversed undoes a CT clamped the wrong way (signs and energy direction)',
    run() {
      const { models, drivers } = rig();
      check(drivers[0].configure(), 'configure');
      // A reversed CT: the chip sees the load as export.
      const reversed = (seconds: number) => {
        for (let k = 0; k < seconds * 50; k++) models[0].advance({ vrms: 230, irms: 5, pW: -1150, qVar: -200, freqHz: 50 }, 0.02);
      };
      reversed(5);
      const before = drivers[0].poll()!;
      check(before.reading.power_w < 0 && before.energy.activeExport > 0 && before.energy.activeImport === 0, 'reads as export');
      check(drivers[0].setCalibration({ ctReversed: true }), 'flip');
      reversed(5);
      const after = drivers[0].poll()!;
      checkClose(after.reading.power_w, 1150, 2);
      check(after.reading.reactive_var > 0 && after.reading.pf > 0, 'Q and PF positive');
      check(after.energy.activeImport > 0 && after.energy.activeExport === 0, 'counted as import');
      checkClose(after.reading.current_a, 5, 0.002);
    },
  },
];

export default tests;
