/**
 * `npm run --silent prices -- parse <file|-> [--format entsoe|esios|nordpool|json|csv] [--area SE3]
 *  [--position 1] [--geo 8741]`
 * Prints the normalised slots as a JSON array of {start, end, price} (UTC ISO instants, price per kWh)
 * and nothing else on stdout. Errors go to stderr: exit 2 for bad arguments, 1 for bad input.
 */
import { parseArgs } from 'node:util';
import { isPriceFormat, parsePrices } from './price-format';
import { PRICE_FORMATS } from './price.types';
import { slotsToJson } from './price-slots';
import { positiveInt, readInput, runCli, UsageError } from './cli-support';

const USAGE = `usage: prices parse <file|-> [--format ${PRICE_FORMATS.join('|')}] [--area AREA] [--position N] [--geo GEO_ID]`;

function run(argv: string[]): string {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: 'string' },
        area: { type: 'string' },
        position: { type: 'string' },
        geo: { type: 'string' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals[0] !== 'parse' || positionals.length !== 2) throw new UsageError(USAGE);
  if (values.format !== undefined && !isPriceFormat(values.format)) {
    throw new UsageError(
      `--format must be one of ${PRICE_FORMATS.join(', ')}, got ${JSON.stringify(values.format)}`,
    );
  }
  const file = positionals[1];
  const options = {
    format: values.format as (typeof PRICE_FORMATS)[number] | undefined,
    area: values.area,
    position: positiveInt('position', values.position),
    geoId: positiveInt('geo', values.geo),
  };
  let text: string;
  try {
    text = readInput(file);
  } catch (err) {
    throw new UsageError(
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const { slots } = parsePrices(text, { ...options, source: file === '-' ? 'stdin' : file });
  return JSON.stringify(slotsToJson(slots));
}

if (require.main === module) runCli('prices', () => run(process.argv.slice(2)));
