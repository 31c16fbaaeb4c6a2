/**
 * Cost roll-up of schematics/bom.csv per block and per meter, and the cost-down paths of
 * schematics/cost-down.json applied to it. `npm run bom` prints both (tables, then one JSON line).
 * Sums are in hundred-thousandths of a dollar so 0.002 USD resistors add up exactly.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../shared/node/cli';

export interface BomRow {
  refs: string;
  block: string;
  part: string;
  mpn: string;
  qty: number;
  unitUsd: number;
  lineUsd: number;
}

export interface CostDownOption {
  id: string;
  change: string;
  givesUp: string;
  remove: { mpn: string; qty: number }[];
  add: { mpn: string; part: string; qty: number; unitUsd: number; basis: string }[];
}

export interface CostDownPath {
  name: string;
  options: string[];
  totalUsd: number;
  totalEur: number;
  reachesTarget: boolean;
}

export interface CostDown {
  usdPerEur: number;
  usdPerEurBasis: string;
  targetEur: number;
  options: CostDownOption[];
  paths: CostDownPath[];
}

export const BOM_FILE = path.join(__dirname, 'bom.csv');
export const COST_DOWN_FILE = path.join(__dirname, 'cost-down.json');
const UNITS = 100_000;
const units = (usd: number): number => Math.round(usd * UNITS);

export function parseBom(text: string): BomRow[] {
  const [header, ...lines] = text.trim().split(/\r?\n/);
  const columns = header.split(',');
  const col = (name: string) => {
    const index = columns.indexOf(name);
    if (index < 0) throw new Error(`bom.csv has no column ${name}`);
    return index;
  };
  const [refs, block, part, mpn, qty, cost, line] = [
    'ref',
    'block',
    'part',
    'mpn',
    'qty',
    'unit_cost_usd',
    'line_usd',
  ].map(col);
  return lines.map((text, k) => {
    const cells = text.split(',');
    if (cells.length !== columns.length)
      throw new Error(`bom.csv line ${k + 2}: ${cells.length} cells, header has ${columns.length}`);
    const row = {
      refs: cells[refs],
      block: cells[block],
      part: cells[part],
      mpn: cells[mpn],
      qty: Number(cells[qty]),
      unitUsd: Number(cells[cost]),
      lineUsd: Number(cells[line]),
    };
    if (!Number.isInteger(row.qty) || row.qty <= 0)
      throw new Error(`bom.csv line ${k + 2}: bad qty ${cells[qty]}`);
    if (!Number.isFinite(row.unitUsd) || row.unitUsd < 0)
      throw new Error(`bom.csv line ${k + 2}: bad unit cost ${cells[cost]}`);
    return row;
  });
}

export function rollUp(rows: readonly BomRow[]): {
  totalUsd: number;
  lines: number;
  parts: number;
  byBlock: Record<string, number>;
} {
  const byBlockUnits: Record<string, number> = {};
  let total = 0;
  let parts = 0;
  for (const row of rows) {
    const u = units(row.qty * row.unitUsd);
    byBlockUnits[row.block] = (byBlockUnits[row.block] ?? 0) + u;
    total += u;
    parts += row.qty;
  }
  const byBlock = Object.fromEntries(Object.entries(byBlockUnits).map(([block, u]) => [block, u / UNITS]));
  return { totalUsd: total / UNITS, lines: rows.length, parts, byBlock };
}

/** Applies the options in order to the BOM's per-MPN quantities; throws if one removes what is not there. */
export function applyOptions(rows: readonly BomRow[], options: readonly CostDownOption[]): number {
  const qty = new Map<string, { qty: number; unitUsd: number }>();
  for (const r of rows) {
    const entry = qty.get(r.mpn) ?? { qty: 0, unitUsd: r.unitUsd };
    entry.qty += r.qty;
    qty.set(r.mpn, entry);
  }
  for (const option of options) {
    for (const { mpn, qty: n } of option.remove) {
      const entry = qty.get(mpn);
      if (!entry || entry.qty < n)
        throw new Error(`${option.id}: removes ${n} × ${mpn}, the BOM has ${entry?.qty ?? 0} left`);
      entry.qty -= n;
    }
    for (const a of option.add) {
      const entry = qty.get(a.mpn) ?? { qty: 0, unitUsd: a.unitUsd };
      entry.qty += a.qty;
      qty.set(a.mpn, entry);
    }
  }
  let total = 0;
  for (const e of qty.values()) total += units(e.qty * e.unitUsd);
  return total / UNITS;
}

export function loadCostDown(): CostDown {
  return JSON.parse(fs.readFileSync(COST_DOWN_FILE, 'utf8')) as CostDown;
}

if (require.main === module) {
  const usage =
    'usage: npm run bom\n  Prints the BOM roll-up per block and the cost-down paths, then one JSON line.';
  void runCli({ name: 'bom', usage, options: {} }, () => {
    const rows = parseBom(fs.readFileSync(BOM_FILE, 'utf8'));
    const summary = rollUp(rows);
    const costDown = loadCostDown();
    console.log(
      `BOM at 1,000 units (estimates, see schematics/prices.csv): ${summary.totalUsd.toFixed(2)} USD, ${summary.lines} lines, ${summary.parts} parts`,
    );
    for (const [block, usd] of Object.entries(summary.byBlock).sort((a, b) => b[1] - a[1]))
      console.log(`  ${block.padEnd(14)} ${usd.toFixed(2).padStart(7)} USD`);
    console.log(`\ncost-down paths (target €${costDown.targetEur} at ${costDown.usdPerEur} USD/EUR):`);
    const byId = new Map(costDown.options.map((o) => [o.id, o]));
    const paths = costDown.paths.map((p) => {
      const totalUsd = applyOptions(
        rows,
        p.options.map((id) => byId.get(id)!),
      );
      const totalEur = totalUsd / costDown.usdPerEur;
      console.log(
        `  ${p.name.padEnd(44)} ${totalUsd.toFixed(2).padStart(7)} USD = €${totalEur.toFixed(2).padStart(6)} ${totalEur <= costDown.targetEur ? 'reaches' : 'misses'} the target`,
      );
      return { name: p.name, totalUsd: Number(totalUsd.toFixed(2)), totalEur: Number(totalEur.toFixed(2)) };
    });
    console.log(JSON.stringify({ bom_usd: summary.totalUsd, by_block_usd: summary.byBlock, paths }));
  });
}
