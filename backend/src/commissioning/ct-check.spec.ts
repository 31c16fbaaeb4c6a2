import { CircuitReading } from '@dinmeter/shared';
import { ctFlags } from './ct-check';

const reading = (power_w: number, current_a: number) => ({ circuit: 1, voltage_v: 230, current_a, power_w, pf: 1 }) as CircuitReading;

describe('ctFlags', () => {
  it('should ask "CT reversed?" for a load with negative active power', () => {
    expect(ctFlags(reading(-1150, 5), 'SCT-013-000')).toEqual(['ct-reversed?']);
    expect(ctFlags(reading(1150, 5), 'SCT-013-000')).toEqual([]);
    expect(ctFlags(reading(-5, 0.5), 'SCT-013-030')).toEqual([]);
  });

  it("should flag a load under 1 % of the CT's rating, not an idle circuit", () => {
    expect(ctFlags(reading(150, 0.65), 'SCT-013-000')).toEqual(['below-ct-range']);
    expect(ctFlags(reading(150, 0.65), 'SCT-013-030')).toEqual([]);
    expect(ctFlags(reading(0, 0.003), 'SCT-013-000')).toEqual([]);
  });

  it('should flag nothing without a reading', () => {
    expect(ctFlags(undefined, 'SCT-013-000')).toEqual([]);
  });
});
