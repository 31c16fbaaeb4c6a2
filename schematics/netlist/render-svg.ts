/**
 * Renders one schematic sheet per block as SVG: every part a box with its pins, every pin's net as
 * a label at the end of its stub (pins with the same label are connected — the net-label style of
 * a hierarchical schematic). Mains-side parts are drawn red, logic-side blue; isolation parts
 * carry both colours, split at the barrier. Deterministic output, so the committed sheets can be
 * compared with a fresh render.
 */
import { Netlist, Part } from './model';

const PIN_PITCH = 14;
const BOX_W = 150;
const STUB = 16;
const LABEL_W = 110;
const CELL_W = BOX_W + 2 * (STUB + LABEL_W) + 20;
const COLUMNS = 4;
const COLOUR = { logic: '#1f5fbf', mains: '#c0392b' } as const;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function blocksOf(n: Netlist): string[] {
  return [...new Set([...n.parts.values()].map((p) => p.block))].sort();
}

export function renderSheet(n: Netlist, block: string): string {
  const parts = [...n.parts.values()].filter((p) => p.block === block);
  const heights = parts.map(boxHeight);
  const columnY = new Array<number>(COLUMNS).fill(60);
  const body: string[] = [];
  parts.forEach((part, k) => {
    // Shortest column first keeps the sheet compact and the placement deterministic.
    const column = columnY.indexOf(Math.min(...columnY));
    const x = 20 + column * CELL_W + STUB + LABEL_W;
    const y = columnY[column];
    body.push(drawPart(n, part, x, y, heights[k]));
    columnY[column] += heights[k] + 30;
  });
  const width = 20 + COLUMNS * CELL_W;
  const height = Math.max(...columnY) + 20;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="10">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="20" y="24" font-size="16" font-weight="bold">dinmeter controller rev 1 — ${esc(block)}</text>`,
    `<text x="20" y="42">Generated from schematics/board.netlist.ts. Pins with the same net label are connected. Red: mains potential; blue: SELV logic.</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function boxHeight(part: Part): number {
  return Math.ceil(part.pins.length / 2) * PIN_PITCH + 36;
}

function drawPart(n: Netlist, part: Part, x: number, y: number, h: number): string {
  const out: string[] = [];
  const half = Math.ceil(part.pins.length / 2);
  const straddles = part.pins.some((p) => (p.domain ?? part.domain) !== part.domain);
  out.push(`<g id="${esc(part.ref)}">`);
  out.push(
    `<rect x="${x}" y="${y}" width="${BOX_W}" height="${h}" fill="none" stroke="${COLOUR[part.domain]}" stroke-width="${straddles ? 2.5 : 1.2}"${straddles ? ' stroke-dasharray="6 3"' : ''}/>`,
  );
  out.push(`<text x="${x + 4}" y="${y + 13}" font-weight="bold">${esc(part.ref)}</text>`);
  out.push(`<text x="${x + 4}" y="${y + 25}">${esc(part.value.slice(0, 26))}</text>`);
  part.pins.forEach((pin, k) => {
    const left = k < half;
    const row = left ? k : k - half;
    const py = y + 36 + row * PIN_PITCH;
    const colour = COLOUR[pin.domain ?? part.domain];
    const x0 = left ? x - STUB : x + BOX_W;
    const net = n.netOf(part.ref, pin.name)?.name;
    const nc = n.noConnects.some((c) => c.ref === part.ref && c.pin === pin.name);
    out.push(`<line x1="${x0}" y1="${py}" x2="${x0 + STUB}" y2="${py}" stroke="${colour}"/>`);
    out.push(
      `<text x="${left ? x + 3 : x + BOX_W - 3}" y="${py + 3}"${left ? '' : ' text-anchor="end"'}>${esc(pin.name)}</text>`,
    );
    const label = net ?? (nc ? '×' : '?');
    out.push(
      `<text x="${left ? x0 - 3 : x0 + STUB + 3}" y="${py + 3}"${left ? ' text-anchor="end"' : ''} fill="${colour}">${esc(label)}</text>`,
    );
  });
  out.push('</g>');
  return out.join('\n');
}
