/**
 * `npm run --silent prices -- parse <file|-> [--format entsoe|esios|nordpool|json|csv] [--area SE3]
 *  [--position 1] [--geo 8741]`
 * Prints the normalised slots as a JSON array of {start, end, price} (UTC ISO instants, price per kWh)
 * and nothing else on stdout. Errors go to stderr: exit 2 for bad arguments, 1 for bad input.
 */
import { runCli, UsageError } from '../../../shared/node/cli';
import { isPriceFormat, parsePrices } from './price-format';
import { PRICE_FORMATS } from './price.types';
import { slotsToJson } from './price-slots';
import { positiveInt, readInput } from './cli-support';

const SPEC = {
  name: 'prices',
  usage: `usage: prices parse <file|-> [--format ${PRICE_FORMATS.join('|')}] [--area AREA] [--position N] [--geo GEO_ID]
  Prints the slots as a JSON array of {start, end, price} (UTC, price per kWh). "-" reads stdin.
  --format    the document's format (default: detected from its shape)
  --area      Nord Pool delivery area (SE3 …) when the document holds several
  --position  ENTSO-E classificationSequence position (1 = primary auction)
  --geo       ESIOS geo_id (8741 = Península)`,
  options: {
    format: { type: 'string' },
    area: { type: 'string' },
    position: { type: 'string' },
    geo: { type: 'string' },
  },
  positionals: [1, 2],
} as const;

if (require.main === module) {
  void runCli(SPEC, ({ values, positionals: [command, file] }) => {
    if (command !== 'parse') throw new UsageError(`unknown command ${JSON.stringify(command)} (the only one is parse)`);
    if (file === undefined) throw new UsageError('parse needs a file, or - for stdin');
    const format = values.format;
    if (format !== undefined && !isPriceFormat(format)) {
      throw new UsageError(`--format must be one of ${PRICE_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
    }
    const options = { format, area: values.area, position: positiveInt('position', values.position), geoId: positiveInt('geo', values.geo) };
    const text = readInput(file);
    const { slots } = parsePrices(text, { ...options, source: file === '-' ? 'stdin' : file });
    process.stdout.write(`${JSON.stringify(slotsToJson(slots))}\n`);
  });
}
