/**
 * `npm run schematic`: regenerates everything that follows from the netlist — pinmap.csv, net-classes.csv,
 * device/board/pins.ts, bom.csv and the SVG sheets in schematics/svg/. The spec
 * (board.netlist.spec.ts) fails when a committed file differs from what this would write.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../shared/node/cli';
import { buildBoard } from './board.netlist';
import { boardFacts } from './netlist/board-facts';
import { bomCsv, bomLines, parsePrices } from './netlist/bom';
import { netClassesCsv, pinmapCsv, pinsTs } from './netlist/generate-board-files';
import { blocksOf, renderOverview, renderSheet } from './netlist/render-svg';

export const SCHEMATICS = __dirname;
const REPO = path.resolve(__dirname, '..');

/** Every generated file: repository-relative path → content. */
export function generatedFiles(): Map<string, string> {
  const n = buildBoard();
  const files = new Map<string, string>();
  files.set('schematics/pinmap.csv', pinmapCsv(n));
  files.set('schematics/net-classes.csv', netClassesCsv(n));
  files.set('device/board/pins.ts', pinsTs(boardFacts(n)));
  const prices = parsePrices(fs.readFileSync(path.join(SCHEMATICS, 'prices.csv'), 'utf8'));
  files.set('schematics/bom.csv', bomCsv(bomLines(n, prices)));
  files.set('schematics/svg/overview.svg', renderOverview(n));
  for (const block of blocksOf(n))
    files.set(`schematics/svg/${block.replace(/ /g, '-')}.svg`, renderSheet(n, block));
  return files;
}

if (require.main === module) {
  const usage = [
    'usage: npm run schematic [-- --check]',
    '  Regenerates pinmap.csv, net-classes.csv, bom.csv, svg/*.svg and device/board/pins.ts from schematics/board.netlist.ts.',
    '  --check  write nothing; exit 1 and name the files that are stale',
  ].join('\n');
  void runCli({ name: 'schematic', usage, options: { check: { type: 'boolean' } } }, ({ values }) => {
    const files = generatedFiles();
    const svgDir = path.join(SCHEMATICS, 'svg');
    const stale = fs.existsSync(svgDir)
      ? fs.readdirSync(svgDir).filter((f) => !files.has(`schematics/svg/${f}`))
      : [];
    if (values.check) {
      const differ = [...files].filter(
        ([file, content]) =>
          !fs.existsSync(path.join(REPO, file)) || fs.readFileSync(path.join(REPO, file), 'utf8') !== content,
      );
      const problems = [
        ...differ.map(([file]) => `${file} is stale`),
        ...stale.map((f) => `schematics/svg/${f} is not generated any more`),
      ];
      for (const p of problems) process.stderr.write(`schematic: ${p}\n`);
      return problems.length === 0 ? 0 : 1;
    }
    fs.mkdirSync(svgDir, { recursive: true });
    for (const f of stale) fs.unlinkSync(path.join(svgDir, f));
    for (const [file, content] of files) fs.writeFileSync(path.join(REPO, file), content);
    process.stdout.write(`wrote ${files.size} files${stale.length ? `, removed ${stale.join(', ')}` : ''}\n`);
    return 0;
  });
}
