/**
 * Prices a user uploads, already per kWh in their currency:
 * - JSON: `[{"start": "2025-11-26T00:00:00Z", "end": "…", "price": 0.1234}, …]` (instants as ISO 8601
 *   with an offset, or ms since the epoch). This is exactly what `prices parse` prints.
 * - CSV: a header naming the columns `start,end,price` (any order, more columns ignored), one slot per
 *   line, `#` comment lines and blank lines skipped. No quoting: none of the fields needs it.
 */
import { ParseOptions, PriceParseError, PriceSeries, PriceSlot } from './price.types';
import { normaliseSlots, parseInstant } from './price-slots';
import { array, Fail, finiteNumber, instant, parseJson, record } from './json-fields';

export function parseManualJson(text: string, options: ParseOptions = {}): PriceSeries {
  const fail: Fail = (message) => {
    throw new PriceParseError(options.source, `JSON prices: ${message}`);
  };
  const items = array(parseJson(text, fail), '(root)', fail);
  const slots = items.map((raw, i): PriceSlot => {
    const s = record(raw, `[${i}]`, fail);
    return {
      start: time(s.start, `[${i}].start`, fail),
      end: time(s.end, `[${i}].end`, fail),
      price: finiteNumber(s.price, `[${i}].price`, fail),
    };
  });
  return { slots: normaliseSlots(slots, fail) };
}

function time(v: unknown, path: string, fail: Fail): number {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) fail(`${path} ${v} is not whole ms since the epoch`);
    return v;
  }
  return instant(v, path, fail);
}

export function parseCsv(text: string, options: ParseOptions = {}): PriceSeries {
  const lines = text.split(/\r?\n/);
  let lineNo = 0;
  const fail: Fail = (message) => {
    throw new PriceParseError(options.source, `CSV line ${lineNo}: ${message}`);
  };
  let columns: Record<'start' | 'end' | 'price', number> | undefined;
  const slots: PriceSlot[] = [];
  for (const raw of lines) {
    lineNo++;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const cells = line.split(',').map((c) => c.trim());
    if (!columns) {
      const header = cells.map((c) => c.toLowerCase());
      const at = (name: string) => {
        const i = header.indexOf(name);
        if (i < 0) fail(`header must name the columns start,end,price (got '${line}')`);
        return i;
      };
      columns = { start: at('start'), end: at('end'), price: at('price') };
      continue;
    }
    const cell = (name: 'start' | 'end' | 'price') => {
      const value = cells[columns![name]];
      if (value === undefined || value === '') fail(`no ${name} value`);
      return value;
    };
    const start = parseInstant(cell('start'));
    if (start === undefined) fail(`start '${cell('start')}' is not an ISO 8601 instant with offset`);
    const end = parseInstant(cell('end'));
    if (end === undefined) fail(`end '${cell('end')}' is not an ISO 8601 instant with offset`);
    const price = Number(cell('price'));
    if (!Number.isFinite(price)) fail(`price '${cell('price')}' is not a number`);
    slots.push({ start: start!, end: end!, price });
  }
  if (!columns) {
    throw new PriceParseError(options.source, 'CSV prices: empty input (expected a header start,end,price)');
  }
  return {
    slots: normaliseSlots(slots, (message) => {
      throw new PriceParseError(options.source, `CSV prices: ${message}`);
    }),
  };
}
