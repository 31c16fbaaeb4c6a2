/**
 * Portable vectors for the ADS131M08 driver against the register-level chip model: start-up,
 * register verification, bursts with simultaneous channels, CRC and data-ready faults, recovery.
 */
import type { DigitalInput } from '../bus';
import { Ads131m08Model, AnalogSource } from '../../sim/ads131m08.model';
import { SimSpiBus } from '../../sim/sim-spi-bus';
import { check, checkClose, checkEqual, checkThrows, XsTest } from '../../xs/harness';
import { crc16Ccitt } from './ads131m08.crc';
import { Ads131m08, Ads131m08Fault } from './ads131m08.driver';
import { CODE_FULL_SCALE, REG, RESET_ACK } from './ads131m08.registers';

/** Channel 0: 0.25 V peak at 50 Hz; channel 3: 0.1 V peak lagging 90°; others 0. */
const source: AnalogSource = {
  inputs(tS, out) {
    out.fill(0);
    out[0] = 0.25 * Math.sin(2 * Math.PI * 50 * tS);
    out[3] = 0.1 * Math.sin(2 * Math.PI * 50 * tS - Math.PI / 2);
  },
};

function rig(gains = [1, 1, 1, 2, 1, 1, 1, 1]) {
  const model = new Ads131m08Model({ source, clockInHz: 8_192_000 });
  const bus = new SimSpiBus([model]);
  const faults: Ads131m08Fault[] = [];
  const dataReady: DigitalInput = { read: () => model.dataReady };
  const adc = new Ads131m08({
    bus,
    select: bus.selects[0],
    dataReady,
    config: { osr: 256, gains, enabledMask: 0b1001 },
    maxReadyPolls: 5,
    onFault: (f) => faults.push(f),
  });
  return { model, bus, adc, faults };
}

const tests: XsTest[] = [
  {
    name: 'ads131m08: CRC-16-CCITT (0xFFFF seed) of "123456789" is 0x29B1',
    run() {
      const bytes = new Uint8Array([0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39]);
      checkEqual(crc16Ccitt(bytes), 0x29b1);
    },
  },
  {
    name: 'ads131m08: configure resets, checks the ID, writes and reads back CLOCK/GAIN/MODE',
    run() {
      const { model, adc, faults } = rig();
      check(adc.configure(), `configure: ${adc.fault}`);
      checkEqual(adc.state, 'ok');
      checkEqual(model.registers[REG.CLOCK], 0x0906, 'channels 0 and 3, OSR 256, high resolution');
      checkEqual(model.registers[REG.GAIN1], 0x1000, 'gain 2 on channel 3');
      checkEqual(model.registers[REG.MODE] & 0x0400, 0, 'RESET flag cleared');
      checkEqual(model.dataRateHz, 16_000);
      checkEqual(faults.length, 0);
    },
  },
  {
    name: 'ads131m08: a burst holds both channels sampled at the same instants, scaled by the gain',
    run() {
      const { model, adc } = rig();
      adc.configure();
      model.startConversions(0);
      const a = new Int32Array(320);
      const b = new Int32Array(320);
      checkEqual(adc.captureBurst(0, a, 3, b, 320), 320);
      checkEqual(model.conversionsRead, 320);
      // 320 conversions at 16 kSPS = one 50 Hz cycle: 0.25 V peak, and channel 3 a quarter cycle behind at gain 2.
      const peak = (codes: Int32Array) => codes.reduce((m, c) => Math.max(m, Math.abs(c)), 0);
      checkClose((peak(a) / CODE_FULL_SCALE) * 1.2, 0.25, 1e-4, 'channel 0 peak (V)');
      checkClose((peak(b) / CODE_FULL_SCALE) * 1.2, 0.2, 1e-4, 'channel 3 peak at gain 2 (V)');
      checkClose((b[80] / CODE_FULL_SCALE) * 1.2, 0, 1e-4, 'channel 3 crosses zero a quarter cycle later');
      checkClose((a[80] / CODE_FULL_SCALE) * 1.2, 0.25, 1e-4, 'while channel 0 peaks');
    },
  },
  {
    name: 'ads131m08: a dead chip fails configure with a data-ready or bus fault and refuses bursts',
    run() {
      const { model, adc, faults } = rig();
      model.setFault('dead');
      check(!adc.configure(), 'configure must fail');
      checkEqual(adc.state, 'failed');
      check(/bus|data_ready/.test(faults[0].code), faults[0].code);
      checkEqual(adc.captureBurst(0, new Int32Array(8), 3, new Int32Array(8), 8), 0);
    },
  },
  {
    name: 'ads131m08: CRC errors beyond 1 % fail the burst, and the driver re-configures the chip',
    run() {
      const { model, adc, faults } = rig();
      adc.configure();
      model.setFault('crc-noise', 3);
      checkEqual(adc.captureBurst(0, new Int32Array(100), 3, new Int32Array(100), 100), 0);
      checkEqual(faults[0].code, 'crc');
      model.setFault('none');
      check(adc.configure(), 'clean again');
      checkEqual(adc.captureBurst(0, new Int32Array(100), 3, new Int32Array(100), 100), 100);
    },
  },
  {
    name: 'ads131m08: a power glitch (RESET flag in STATUS) is found during a burst and repaired',
    run() {
      const { model, adc, faults } = rig();
      adc.configure();
      model.powerOn();
      checkEqual(adc.captureBurst(0, new Int32Array(10), 3, new Int32Array(10), 10), 0);
      checkEqual(faults[0].code, 'reset');
      check(faults[0].recovered, 'recovered');
      checkEqual(adc.state, 'warning');
      checkEqual(model.registers[REG.CLOCK], 0x0906, 'configuration written again');
      checkEqual(adc.readRegister(REG.ID)! >>> 8, 0x28);
      checkEqual(adc.captureBurst(0, new Int32Array(10), 3, new Int32Array(10), 10), 10);
      checkEqual(adc.state, 'ok', 'a clean burst clears the warning');
    },
  },
  {
    name: 'ads131m08: misuse throws with the bad value',
    run() {
      const { adc } = rig();
      checkThrows(() => rig([1, 1, 1, 3, 1, 1, 1, 1]), /gain must be one of .*: 3/);
      checkThrows(
        () => adc.captureBurst(8, new Int32Array(4), 0, new Int32Array(4), 4),
        /channel must be 0..7: 8/,
      );
      checkThrows(() => adc.captureBurst(0, new Int32Array(4), 1, new Int32Array(4), 5), /burst of 5/);
      checkEqual(RESET_ACK, 0xff28);
    },
  },
];

export default tests;
