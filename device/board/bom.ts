/**
 * Bill-of-materials roll-up for schematics/bom.csv: parses the rows, sums cost per block and per
 * meter. CLI: `node -r @swc-node/register device/board/bom.ts` prints one JSON object.
 * Node-only (reads the file); the board facts it cross-checks live in pins.ts and front-end.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../../shared/node/cli';

export interface BomRow {
  ref: string;
  block: string;
  part: string;
  mpn: string;
  qty: number;
  unitCostUsd: number;
}

export const BOM_PATH = path.resolve(__dirname, '../../schematics/bom.csv');

/** Minimal CSV: no quoted commas in this file (the spec checks the column count of every row). */
export function parseBom(text: string): BomRow[] {
  const [header, ...lines] = text.trim().split(/\r?\n/);
  const columns = header.split(',');
  const col = (name: string) => {
    const index = columns.indexOf(name);
    if (index < 0) throw new Error(`bom.csv has no column ${name}`);
    return index;
  };
  const [ref, block, part, mpn, qty, cost] = ['ref', 'block', 'part', 'mpn', 'qty', 'unit_cost_usd'].map(col);
  return lines.map((line, k) => {
    const cells = line.split(',');
    if (cells.length !== columns.length) throw new Error(`bom.csv line ${k + 2}: ${cells.length} cells, header has ${columns.length}`);
    const row = { ref: cells[ref], block: cells[block], part: cells[part], mpn: cells[mpn], qty: Number(cells[qty]), unitCostUsd: Number(cells[cost]) };
    if (!Number.isInteger(row.qty) || row.qty <= 0) throw new Error(`bom.csv line ${k + 2}: bad qty ${cells[qty]}`);
    if (!Number.isFinite(row.unitCostUsd) || row.unitCostUsd < 0) throw new Error(`bom.csv line ${k + 2}: bad unit cost ${cells[cost]}`);
    return row;
  });
}

export function rollUp(rows: readonly BomRow[]): { totalUsd: number; lines: number; parts: number; byBlock: Record<string, number> } {
  // Sums in cents avoid float drift.
  const centsByBlock: Record<string, number> = {};
  let totalCents = 0;
  let parts = 0;
  for (const row of rows) {
    const cents = Math.round(row.qty * row.unitCostUsd * 100);
    centsByBlock[row.block] = (centsByBlock[row.block] ?? 0) + cents;
    totalCents += cents;
    parts += row.qty;
  }
  const byBlock = Object.fromEntries(Object.entries(centsByBlock).map(([block, cents]) => [block, cents / 100]));
  return { totalUsd: totalCents / 100, lines: rows.length, parts, byBlock };
}

if (require.main === module) {
  const usage = 'usage: node -r @swc-node/register device/board/bom.ts\n  Prints the cost roll-up of schematics/bom.csv as one JSON object.';
  void runCli({ name: 'bom', usage, options: {} }, () => {
    process.stdout.write(`${JSON.stringify(rollUp(parseBom(fs.readFileSync(BOM_PATH, 'utf8'))))}\n`);
  });
}
