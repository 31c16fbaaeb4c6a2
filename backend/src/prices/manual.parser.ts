/**
 * Prices a user uploads, already per kWh in their currency:
 * - JSON: `[{"start": "2025-11-26T00:00:00Z", "end": "…", "price": 0.1234}, …]` (instants as ISO 8601
 *   with an offset, or ms since the epoch). This is exactly what `prices parse` prints.
 * - CSV: a header naming the columns `start`, `end` and `price` (any order, more columns ignored),
 *   separated by `,`, `;` or a tab (the header decides), one slot per line; `#` comment lines and blank
 *   lines skipped; fields may be double-quoted. A decimal comma (`0,123`) is read where it cannot be a
 *   separator: in `;` and tab files. Instants need a UTC offset (a space may replace the `T`).
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

export const CSV_SEPARATORS = [',', ';', '\t'] as const;
export type CsvSeparator = (typeof CSV_SEPARATORS)[number];
const COLUMNS = ['start', 'end', 'price'] as const;
type Column = (typeof COLUMNS)[number];

/** What a CSV upload must look like, word for word in every CSV error. */
export const CSV_EXPECTED =
  'expected a header line naming the columns start, end and price (any order), separated by "," or ";" or a tab, ' +
  'then one slot per line: ISO 8601 instants with a UTC offset and the price per kWh ' +
  '(a decimal comma such as 0,123 only with ";" or tab separators)';

/**
 * Splits one line on sep. A field may be in double quotes (then it may hold sep; "" is a quote), as
 * spreadsheets write them. Undefined when a quote is not closed.
 */
export function splitCsvLine(line: string, sep: string): string[] | undefined {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    while (line[i] === ' ') i++;
    let cell = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) return undefined;
        if (line[i] === '"') {
          if (line[i + 1] !== '"') break;
          i++;
        }
        cell += line[i++];
      }
      i++;
      while (i < line.length && line[i] !== sep) cell += line[i++]; // text after the closing quote
    } else {
      while (i < line.length && line[i] !== sep) cell += line[i++];
    }
    cells.push(cell.trim());
    if (i >= line.length) return cells;
    i++; // the separator
  }
}

/** The separator and column positions a header line names, or undefined when it is no price header. */
export function csvHeader(line: string): { sep: CsvSeparator; columns: Record<Column, number> } | undefined {
  for (const sep of [...CSV_SEPARATORS].reverse()) {
    const header = splitCsvLine(line.replace(/^\uFEFF/, ''), sep)?.map((c) => c.toLowerCase());
    if (!header) continue;
    const columns = Object.fromEntries(COLUMNS.map((name) => [name, header.indexOf(name)])) as Record<Column, number>;
    if (COLUMNS.every((name) => columns[name] >= 0)) return { sep, columns };
  }
  return undefined;
}

const DECIMAL_POINT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const DECIMAL_COMMA = /^[+-]?\d+,\d+$/;

/** A price cell: decimal point always, decimal comma where the separator is not a comma. */
function csvPrice(text: string, sep: CsvSeparator, fail: Fail): number {
  if (DECIMAL_POINT.test(text)) return Number(text);
  if (DECIMAL_COMMA.test(text)) {
    if (sep !== ',') return Number(text.replace(',', '.'));
    fail(`price '${text}' has a decimal comma in a comma-separated file: separate the columns with ";" or write ${text.replace(',', '.')}`);
  }
  if (text.includes(',') && text.includes('.')) {
    fail(`price '${text}' mixes "." and ",": write it without a thousands separator (0.123 or 0,123)`);
  }
  return fail(`price '${text}' is not a number`);
}

/** An instant cell: ISO 8601 with a UTC offset; a space may stand for the T. */
function csvInstant(name: Column, text: string, fail: Fail): number {
  const iso = text.replace(/^(\d{4}-\d{2}-\d{2}) (?=\d)/, '$1T');
  const ms = parseInstant(iso);
  if (ms !== undefined) return ms;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(iso)) {
    fail(`${name} '${text}' has no UTC offset: write ${iso}Z or ${iso}+01:00 (local times are ambiguous when the clocks change)`);
  }
  return fail(`${name} '${text}' is not an ISO 8601 instant with a UTC offset (2025-11-26T00:00+01:00)`);
}

export function parseCsv(text: string, options: ParseOptions = {}): PriceSeries {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let lineNo = 0;
  const fail: Fail = (message) => {
    throw new PriceParseError(options.source, `CSV line ${lineNo}: ${message}`);
  };
  let header: ReturnType<typeof csvHeader>;
  const slots: PriceSlot[] = [];
  for (const raw of lines) {
    lineNo++;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (!header) {
      header = csvHeader(line) ?? fail(`${CSV_EXPECTED}; got '${line}'`);
      continue;
    }
    const { sep, columns } = header;
    const cells = splitCsvLine(line, sep) ?? fail('a double quote is not closed');
    const missing = COLUMNS.find((name) => !cells[columns[name]]);
    if (missing) fail(`no ${missing} value (columns are separated by ${sep === '\t' ? 'a tab' : `"${sep}"`}, as in the header)`);
    const cell = (name: Column) => cells[columns[name]];
    slots.push({ start: csvInstant('start', cell('start'), fail), end: csvInstant('end', cell('end'), fail), price: csvPrice(cell('price'), sep, fail) });
  }
  if (!header) throw new PriceParseError(options.source, `CSV prices: empty input (${CSV_EXPECTED})`);
  return {
    slots: normaliseSlots(slots, (message) => {
      throw new PriceParseError(options.source, `CSV prices: ${message}`);
    }),
  };
}
