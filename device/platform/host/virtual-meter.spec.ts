/** The virtual meter's waveform path goes through the ADS131M08 driver and chip models, not around them. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostClock } from './host-clock';
import { VirtualMeter } from './virtual-meter';

describe(VirtualMeter.name, () => {
  describe('waveform path', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'dinmeter-vm-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('should analyse bursts read as SPI frames from the simulated ADCs, at most one per 400 ms of real time', async () => {
      const meter = new VirtualMeter({
        deviceId: 'dm-vm-waveform',
        dataDir: dir,
        mqttUrl: 'mqtt://127.0.0.1:1', // never started: no connection attempt
        intervalS: 10,
        clock: new HostClock(1, 1_800_000_000_000),
        seed: 3,
        circuits: [{ kind: 'empty' }, { kind: 'resistive', watts: 2300 }],
      });
      expect(meter.waveform.rateHz).toBe(16_000);
      meter.board.advanceTo(1_800_000_000_500);
      meter.core.waveform!.step(1_800_000_000_500);
      expect(meter.core.waveform!.latest(1).status).toBe('no-signal'); // start-up goes first; circuit 2 is next
      expect(meter.board.adcs[0].conversionsRead).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 450));
      meter.core.waveform!.step(1_800_000_000_500);
      const m = meter.core.waveform!.latest(2);
      expect(m.status).toBe('ok');
      expect(m.activePowerW).toBeCloseTo(meter.board.world.circuit(2).state.pW, -1);
      expect(meter.board.adcs[0].conversionsRead).toBeGreaterThanOrEqual(3200);
      meter.flash.close();
    });
  });
});
