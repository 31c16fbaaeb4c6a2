/**
 * The BOM from the netlist (quantities, references, blocks) and schematics/prices.csv (unit price
 * at 1,000 units, its basis and date, and the off-board lines: enclosure, PCB, assembly).
 * Pure functions; `npm run schematic` writes schematics/bom.csv.
 */
import { Netlist } from './model';

export interface PriceRow {
  mpn: string;
  part: string;
  manufacturer: string;
  unitUsd: number;
  basis: string;
  estimatedOn: string;
  offBoardQty: number;
  offBoardBlock: string;
}

export interface BomLine {
  refs: string;
  block: string;
  part: string;
  manufacturer: string;
  mpn: string;
  qty: number;
  unitUsd: number;
  basis: string;
  estimatedOn: string;
}

export const BOM_HEADER = 'ref,block,part,manufacturer,mpn,qty,unit_cost_usd,line_usd,basis,estimated_on';

export function parsePrices(text: string): PriceRow[] {
  const [header, ...lines] = text.trim().split(/\r?\n/);
  const columns = header.split(',');
  return lines.map((line, k) => {
    const cells = line.split(',');
    if (cells.length !== columns.length)
      throw new Error(`prices.csv line ${k + 2}: ${cells.length} cells, header has ${columns.length}`);
    const get = (name: string) => cells[columns.indexOf(name)];
    const row: PriceRow = {
      mpn: get('mpn'),
      part: get('part'),
      manufacturer: get('manufacturer'),
      unitUsd: Number(get('unit_usd_1k')),
      basis: get('basis'),
      estimatedOn: get('estimated_on'),
      offBoardQty: Number(get('off_board_qty')),
      offBoardBlock: get('off_board_block'),
    };
    if (!(row.unitUsd >= 0)) throw new Error(`prices.csv line ${k + 2}: bad price ${get('unit_usd_1k')}`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(row.estimatedOn))
      throw new Error(`prices.csv line ${k + 2}: bad date ${row.estimatedOn}`);
    if (!row.basis) throw new Error(`prices.csv line ${k + 2}: every price needs its basis`);
    return row;
  });
}

/** "R6 R7 R8 R9" → "R6-R9"; keeps other refs as they are. */
export function compressRefs(refs: string[]): string {
  const sorted = [...refs].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const out: string[] = [];
  for (let k = 0; k < sorted.length;) {
    const m = /^([A-Z]+)(\d+)$/.exec(sorted[k]);
    let j = k;
    if (m) {
      while (j + 1 < sorted.length && sorted[j + 1] === `${m[1]}${Number(/\d+$/.exec(sorted[j])![0]) + 1}`)
        j++;
    }
    out.push(j > k + 1 ? `${sorted[k]}-${sorted[j]}` : sorted.slice(k, j + 1).join(' '));
    k = j + 1;
  }
  return out.join(' ');
}

export function bomLines(n: Netlist, prices: readonly PriceRow[]): BomLine[] {
  const byMpn = new Map(prices.map((p) => [p.mpn, p]));
  const groups = new Map<string, string[]>();
  for (const part of n.parts.values()) {
    if (!byMpn.has(part.mpn)) throw new Error(`${part.ref}: no price for ${part.mpn} in prices.csv`);
    const key = `${part.block}|${part.mpn}`;
    groups.set(key, [...(groups.get(key) ?? []), part.ref]);
  }
  const lines: BomLine[] = [];
  for (const [key, refs] of groups) {
    const [block, mpn] = key.split('|');
    const p = byMpn.get(mpn)!;
    lines.push({
      refs: compressRefs(refs),
      block,
      part: p.part,
      manufacturer: p.manufacturer,
      mpn,
      qty: refs.length,
      unitUsd: p.unitUsd,
      basis: p.basis,
      estimatedOn: p.estimatedOn,
    });
  }
  for (const p of prices) {
    if (p.offBoardQty > 0)
      lines.push({
        refs: '-',
        block: p.offBoardBlock,
        part: p.part,
        manufacturer: p.manufacturer,
        mpn: p.mpn,
        qty: p.offBoardQty,
        unitUsd: p.unitUsd,
        basis: p.basis,
        estimatedOn: p.estimatedOn,
      });
  }
  const order = (l: BomLine) => `${l.block}|${l.mpn}`;
  return lines.sort((a, b) => order(a).localeCompare(order(b)));
}

const cents = (usd: number): number => Math.round(usd * 100000) / 100000;

export function bomCsv(lines: readonly BomLine[]): string {
  const rows = lines.map((l) =>
    [
      l.refs,
      l.block,
      l.part,
      l.manufacturer,
      l.mpn,
      l.qty,
      l.unitUsd,
      cents(l.qty * l.unitUsd).toFixed(3),
      l.basis,
      l.estimatedOn,
    ].join(','),
  );
  return [BOM_HEADER, ...rows].join('\n') + '\n';
}
