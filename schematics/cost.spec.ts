/** The BOM, its prices and the cost-down table are data; this checks their arithmetic and their links to the netlist. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildBoard } from './board.netlist';
import { applyOptions, BOM_FILE, loadCostDown, parseBom, rollUp } from './cost';
import { parsePrices } from './netlist/bom';

const rows = parseBom(fs.readFileSync(BOM_FILE, 'utf8'));
const prices = parsePrices(fs.readFileSync(path.join(__dirname, 'prices.csv'), 'utf8'));
const board = buildBoard();
const costDown = loadCostDown();
const byId = new Map(costDown.options.map((o) => [o.id, o]));

describe('schematics/bom.csv', () => {
  it('should list exactly the netlist’s parts, MPN by MPN, plus the off-board lines', () => {
    const fromNetlist = new Map<string, number>();
    for (const part of board.parts.values()) fromNetlist.set(part.mpn, (fromNetlist.get(part.mpn) ?? 0) + 1);
    for (const p of prices.filter((x) => x.offBoardQty > 0))
      fromNetlist.set(p.mpn, (fromNetlist.get(p.mpn) ?? 0) + p.offBoardQty);
    const fromBom = new Map<string, number>();
    for (const r of rows) fromBom.set(r.mpn, (fromBom.get(r.mpn) ?? 0) + r.qty);
    expect(Object.fromEntries([...fromBom].sort())).toEqual(Object.fromEntries([...fromNetlist].sort()));
  });

  it('should have a dated price with its basis for every MPN, and no unused price', () => {
    const used = new Set(rows.map((r) => r.mpn));
    expect(prices.filter((p) => !used.has(p.mpn)).map((p) => p.mpn)).toEqual([]);
    for (const p of prices) expect(p.basis).toMatch(/^(estimate|quote):/);
  });

  it('should carry line totals that are qty × unit price, and a roll-up whose blocks sum to the total', () => {
    for (const r of rows) expect(r.lineUsd).toBeCloseTo(r.qty * r.unitUsd, 3);
    const summary = rollUp(rows);
    expect(summary.totalUsd).toBeCloseTo(
      rows.reduce((sum, r) => sum + r.lineUsd, 0),
      2,
    );
    expect(Object.values(summary.byBlock).reduce((a, b) => a + b, 0)).toBeCloseTo(summary.totalUsd, 4);
    expect(summary.lines).toBe(rows.length);
  });

  it('should reject malformed rows', () => {
    const header = 'ref,block,part,manufacturer,mpn,qty,unit_cost_usd,line_usd';
    expect(() => parseBom(`${header}\nX,b,p,m,n,0,1,0`)).toThrow(/bad qty 0/);
    expect(() => parseBom(`${header}\nX,b,p,m,n,1,1`)).toThrow(/7 cells/);
  });
});

describe('schematics/cost-down.json', () => {
  it('should name only options that exist, and each option should say what it gives up', () => {
    for (const p of costDown.paths) for (const id of p.options) expect(byId.has(id)).toBe(true);
    for (const o of costDown.options) expect(o.givesUp.length).toBeGreaterThan(40);
  });

  it.each(costDown.paths.map((p) => [p.name, p] as const))(
    'path "%s" should add up to its stated total and target verdict',
    (_name, p) => {
      const total = applyOptions(
        rows,
        p.options.map((id) => byId.get(id)!),
      );
      expect(p.totalUsd).toBeCloseTo(total, 2);
      expect(p.totalEur).toBeCloseTo(total / costDown.usdPerEur, 2);
      expect(p.reachesTarget).toBe(total / costDown.usdPerEur <= costDown.targetEur);
    },
  );

  it('should show at least one path that reaches the target, and the design as drawn missing it', () => {
    expect(costDown.paths.some((p) => p.reachesTarget)).toBe(true);
    expect(costDown.paths.find((p) => p.options.length === 0)?.reachesTarget).toBe(false);
  });

  it('should refuse an option that removes parts the BOM does not have', () => {
    const bogus = { id: 'x', change: '', givesUp: '', remove: [{ mpn: 'SCT-013-000', qty: 11 }], add: [] };
    expect(() => applyOptions(rows, [bogus])).toThrow(/removes 11 × SCT-013-000, the BOM has 10/);
  });
});
