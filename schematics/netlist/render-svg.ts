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

/**
 * The overview sheet: one box per block in three columns — SELV logic, the parts that bridge the
 * barrier, mains potential — and a line between two blocks for the nets they share, labelled with
 * how many. The dashed line is the isolation barrier.
 */
export function renderOverview(n: Netlist): string {
  const blocks = blocksOf(n);
  const column = (block: string): number => {
    const parts = [...n.parts.values()].filter((p) => p.block === block);
    const domains = new Set(parts.flatMap((p) => p.pins.map((pin) => pin.domain ?? p.domain)));
    const bridges = parts.some((p) => new Set(p.pins.map((pin) => pin.domain ?? p.domain)).size > 1);
    return bridges ? 1 : domains.has('mains') ? 2 : 0;
  };
  const rows = [0, 0, 0];
  const at = new Map<string, { x: number; y: number }>();
  for (const block of blocks) {
    const c = column(block);
    at.set(block, { x: 40 + c * 330, y: 80 + rows[c]++ * 90 });
  }
  const shared = new Map<string, { count: number; domain: string }>();
  for (const net of n.nets.values()) {
    const inBlocks = [...new Set(net.pins.map((p) => n.part(p.ref).block))].sort();
    for (let i = 0; i < inBlocks.length; i++) {
      for (let j = i + 1; j < inBlocks.length; j++) {
        const key = `${inBlocks[i]}|${inBlocks[j]}`;
        const entry = shared.get(key) ?? { count: 0, domain: n.domainOf(net.pins[0]) };
        entry.count++;
        shared.set(key, entry);
      }
    }
  }
  const W = 180;
  const H = 50;
  const height = 100 + Math.max(...rows) * 90;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="${height}" viewBox="0 0 900 ${height}" font-family="monospace" font-size="11">`,
    `<rect width="900" height="${height}" fill="white"/>`,
    `<text x="20" y="24" font-size="16" font-weight="bold">dinmeter controller rev 1 — blocks and the isolation barrier</text>`,
    `<text x="20" y="42">Lines: nets shared between blocks (count). Left: SELV logic; middle: parts that bridge the barrier; right: mains potential.</text>`,
    `<line x1="460" y1="55" x2="460" y2="${height - 10}" stroke="#888" stroke-dasharray="8 4"/>`,
  ];
  for (const [key, { count, domain }] of [...shared].sort()) {
    const [a, b] = key.split('|').map((block) => at.get(block)!);
    const [x1, y1, x2, y2] = [a.x + W / 2, a.y + H / 2, b.x + W / 2, b.y + H / 2];
    out.push(
      `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${COLOUR[domain as 'logic' | 'mains']}" stroke-opacity="0.5"/>`,
    );
    // Label a third of the way from the left block: fewer labels collide than at the midpoints.
    out.push(
      `<text x="${x1 + (x2 - x1) * 0.33 + 4}" y="${y1 + (y2 - y1) * 0.33 - 3}" fill="${COLOUR[domain as 'logic' | 'mains']}">${count}</text>`,
    );
  }
  for (const block of blocks) {
    const { x, y } = at.get(block)!;
    const c = column(block);
    const stroke = c === 0 ? COLOUR.logic : c === 2 ? COLOUR.mains : '#555';
    const parts = [...n.parts.values()].filter((p) => p.block === block).length;
    out.push(
      `<rect x="${x}" y="${y}" width="${W}" height="${H}" fill="white" stroke="${stroke}" stroke-width="1.5"${c === 1 ? ' stroke-dasharray="6 3"' : ''}/>`,
    );
    out.push(`<text x="${x + 8}" y="${y + 20}" font-weight="bold">${esc(block)}</text>`);
    out.push(`<text x="${x + 8}" y="${y + 38}">${parts} parts</text>`);
  }
  out.push('</svg>', '');
  return out.join('\n');
}
