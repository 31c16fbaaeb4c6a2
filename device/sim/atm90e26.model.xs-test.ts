/**
 * Portable vectors for the simulated hardware: the ATM90E26 register model answering raw
 * frames, the shared bus, and the electrical world (relays, forced loads).
 */
import { BOARD_FRONT_END } from '../board/front-end';
import { atm90e26Checksum } from '../drivers/atm90e26/atm90e26.checksum';
import { MAGIC, REG } from '../drivers/atm90e26/atm90e26.registers';
import { check, checkClose, checkEqual, checkThrows, XsTest } from '../xs/harness';
import { Atm90e26Model } from './atm90e26.model';
import { SimSpiBus } from './sim-spi-bus';
import { createSimulatedBoard } from './simulated-board';

/** Raw frames, no driver. */
function raw(chips = 1) {
  const models = Array.from({ length: chips }, () => new Atm90e26Model({ nominal: BOARD_FRONT_END }));
  const bus = new SimSpiBus(models);
  const frame = (index: number, first: number, word: number): number => {
    const buffer = new Uint8Array([first, word >> 8, word & 0xff]);
    bus.selects[index].write(0);
    bus.transfer(buffer);
    bus.selects[index].write(1);
    return (buffer[1] << 8) | buffer[2];
  };
  return {
    models,
    bus,
    read: (address: number, index = 0) => frame(index, 0x80 | address, 0),
    write: (address: number, word: number, index = 0) => void frame(index, address, word),
  };
}

const tests: XsTest[] = [
  {
    name: 'sim: LastSPIData echoes the last value written or read',
    run() {
      const { read, write } = raw();
      write(REG.FuncEn, 0x0030);
      checkEqual(read(REG.LastSPIData), 0x0030);
      checkEqual(read(REG.FuncEn), 0x0030);
      write(REG.SagTh, 0x1234);
      checkEqual(read(REG.LastSPIData), 0x1234);
    },
  },
  {
    name: 'sim: a wrong CS1 in check mode sets SysStatus 0xC000 and stops metering',
    run() {
      const { models, read, write } = raw();
      write(REG.CalStart, MAGIC.calibrationMode);
      write(REG.Lgain, 0x0100);
      write(REG.CS1, 0xdead);
      write(REG.CalStart, MAGIC.checkMode);
      checkEqual(read(REG.SysStatus) & 0xc000, 0xc000, 'CS1 error');
      models[0].advance({ vrms: 230, irms: 10, pW: 2300, qVar: 0, freqHz: 50 }, 10);
      checkEqual(read(REG.APenergy), 0, 'no energy');
      checkEqual(read(REG.Urms), 0, 'no measurements');
      // Calibration mode resets the block to defaults and clears the error.
      write(REG.CalStart, MAGIC.calibrationMode);
      checkEqual(read(REG.Lgain), 0, 'defaults again');
      checkEqual(read(REG.SysStatus) & 0xc000, 0);
    },
  },
  {
    name: 'sim: a correct CS2 in check mode meters; calibration writes are refused outside calibration mode',
    run() {
      const { read, write } = raw();
      write(REG.AdjStart, MAGIC.calibrationMode);
      const block = [0x6000, 0x7a13, 0x7530, 0, 0, 0, 0, 0, 0, 0];
      block.forEach((word, k) => write(REG.Ugain + k, word));
      write(REG.CS2, atm90e26Checksum(block));
      write(REG.AdjStart, MAGIC.checkMode);
      checkEqual(read(REG.SysStatus), 0);
      write(REG.Ugain, 0x1111);
      checkEqual(read(REG.Ugain), 0x6000, 'refused in check mode');
    },
  },
  {
    name: 'sim: soft reset restores power-on values; energy registers clear on read',
    run() {
      const { models, read, write } = raw();
      write(REG.FuncEn, 0x0030);
      models[0].advance({ vrms: 230, irms: 10, pW: 2300, qVar: 0, freqHz: 50 }, 3.6); // 2.3 Wh
      const counts = read(REG.APenergy);
      check(counts > 0, 'counts');
      checkEqual(read(REG.APenergy), 0, 'cleared');
      write(REG.SoftReset, MAGIC.softReset);
      checkEqual(read(REG.FuncEn), 0x000c, 'FuncEn back to power-on value');
    },
  },
  {
    name: 'sim: fractional energy carries over between steps (no loss to quantisation)',
    run() {
      const { models, read } = raw();
      // 30 W for 1000 steps of 0.36 s = 3 Wh. With the chip's default PLconst on the board's
      // front end the chip meters 3200 × 1319838 / 1429876 imp/kWh: 0.089 counts per step, so
      // without carrying the fraction nothing would ever count.
      let total = 0;
      for (let k = 0; k < 1000; k++) {
        models[0].advance({ vrms: 230, irms: 30 / 230, pW: 30, qVar: 0, freqHz: 50 }, 0.36);
        total += read(REG.APenergy);
      }
      checkClose(total, 3 * 3.2 * (1319838 / 1429876) * 10, 1);
    },
  },
  {
    name: 'sim: nothing selected reads 0xFF; two chips selected at once is contention',
    run() {
      const { bus } = raw(2);
      const buffer = new Uint8Array([0xc9, 0, 0]);
      bus.transfer(buffer);
      checkEqual(buffer[1], 0xff);
      bus.selects[0].write(0);
      bus.selects[1].write(0);
      checkThrows(() => bus.transfer(new Uint8Array(3)), /contention/);
    },
  },
  {
    name: 'sim: relays cut the current, forced loads override the appliance',
    run() {
      const board = createSimulatedBoard({ startMs: 0, circuits: [{ kind: 'resistive', watts: 2300 }] });
      board.advanceTo(1000);
      checkClose(board.world.circuit(1).state.irms, 10, 0.5);
      board.relays.set(1, false);
      board.advanceTo(2000);
      checkEqual(board.world.circuit(1).state.irms, 0);
      checkEqual(board.world.circuit(1).state.pW, 0);
      board.relays.set(1, true);
      board.setOvercurrent(1, 40);
      board.advanceTo(3000);
      checkClose(board.world.circuit(1).state.irms, 40, 1e-9);
      checkThrows(() => board.relays.set(11, true), /no circuit 11/);
      checkThrows(() => board.setOvercurrent(1, -1), /≥ 0 A: -1/);
    },
  },
];

export default tests;
