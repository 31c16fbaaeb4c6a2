/** Chooses the parser: an explicit format, or detection from the document's shape. */
import { parseEntsoe } from './entsoe.parser';
import { parseEsios } from './esios.parser';
import { isRecord } from './json-fields';
import { csvHeader, parseCsv, parseManualJson } from './manual.parser';
import { parseNordPool } from './nordpool.parser';
import { ParseOptions, PRICE_FORMATS, PriceFormat, PriceParseError, PriceSeries } from './price.types';

const PARSERS: Record<PriceFormat, (text: string, options: ParseOptions) => PriceSeries> = {
  entsoe: parseEntsoe,
  esios: parseEsios,
  nordpool: parseNordPool,
  json: parseManualJson,
  csv: parseCsv,
};

export function isPriceFormat(v: string): v is PriceFormat {
  return (PRICE_FORMATS as readonly string[]).includes(v);
}

/** The format a document looks like; throws when it looks like none of them. */
export function detectPriceFormat(text: string, source?: string): PriceFormat {
  const head = text.replace(/^\uFEFF/, '').trimStart();
  if (head.startsWith('<')) return 'entsoe';
  if (head.startsWith('[')) return 'json';
  if (head.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(head);
    } catch (err) {
      throw new PriceParseError(source, `not valid JSON (${(err as Error).message})`);
    }
    if (isRecord(doc)) {
      if ('indicator' in doc || 'included' in doc) return 'esios';
      if ('multiAreaEntries' in doc || 'multiIndexEntries' in doc) return 'nordpool';
    }
    throw new PriceParseError(
      source,
      'JSON of unknown shape: expected ESIOS, REE PVPC, Nord Pool or an array of {start,end,price}',
    );
  }
  const firstLine = head.split(/\r?\n/).find((l) => l.trim() !== '' && !l.startsWith('#')) ?? '';
  if (csvHeader(firstLine)) return 'csv';
  throw new PriceParseError(
    source,
    `unknown price format (use one of: ${PRICE_FORMATS.join(', ')}; a CSV needs a header naming start, end and price)`,
  );
}

export function parsePrices(
  text: string,
  options: ParseOptions & { format?: PriceFormat } = {},
): PriceSeries {
  const format = options.format ?? detectPriceFormat(text, options.source);
  return PARSERS[format](text, options);
}
