/** schematics/bom.csv agrees with the board (10 circuits, one chip, CT, relay each) and its roll-up sums right. */
import * as fs from 'node:fs';
import { PINS } from './pins';
import { BOM_PATH, parseBom, rollUp } from './bom';

const rows = parseBom(fs.readFileSync(BOM_PATH, 'utf8'));
const qtyOf = (mpn: string) => rows.filter((r) => r.mpn === mpn).reduce((sum, r) => sum + r.qty, 0);

describe('schematics/bom.csv', () => {
  it('should have one metering chip, crystal, CT, burden and relay per circuit', () => {
    const circuits = PINS.chipSelect.length;
    expect(qtyOf('ATM90E26-YU-R')).toBe(circuits);
    expect(qtyOf('ABLS-8.192MHZ-B4-T')).toBe(circuits);
    expect(qtyOf('SCT-013-000')).toBe(circuits);
    expect(qtyOf('RT0805BRD0712RL')).toBe(circuits);
    expect(qtyOf('HF115F/005-1HS3')).toBe(PINS.relay.length);
  });

  it('should carry enough isolator channels for SCLK, MOSI, MISO and every chip select', () => {
    expect(qtyOf('ISO7741DWR') * 4).toBeGreaterThanOrEqual(3 + PINS.chipSelect.length);
  });

  it('should roll up to the sum of qty × unit cost, per block and in total', () => {
    const summary = rollUp(rows);
    const expected = rows.reduce((sum, r) => sum + r.qty * r.unitCostUsd, 0);
    expect(summary.totalUsd).toBeCloseTo(expected, 2);
    expect(Object.values(summary.byBlock).reduce((a, b) => a + b, 0)).toBeCloseTo(summary.totalUsd, 2);
    expect(summary.lines).toBe(rows.length);
  });

  it('should reject malformed rows', () => {
    expect(() => parseBom('ref,block,part,manufacturer,mpn,qty,unit_cost_usd,notes\nX,b,p,m,n,0,1,')).toThrow(/bad qty/);
    expect(() => parseBom('ref,block,part,manufacturer,mpn,qty,unit_cost_usd,notes\nX,b,p,m,n,1,1')).toThrow(/7 cells/);
  });
});
