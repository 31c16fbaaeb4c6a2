/**
 * Nord Pool Data Portal API (dataportal-api.nordpoolgroup.com), market DayAhead:
 * - delivery periods (`/api/DayAheadPrices`): `multiAreaEntries[]` with `deliveryStart`, `deliveryEnd`
 *   and `entryPerArea: {SE3: price, …}`;
 * - price indices (`/api/DayAheadPriceIndices`): the same shape under `multiIndexEntries[]`.
 * Prices are in `currency` per MWh. Every entry carries its own UTC interval, so DST days and the
 * 15-minute products (since 2025-10-01) need no special handling. A 0 price is a price, kept as 0.
 */
import { ParseOptions, PriceParseError, PriceSeries } from './price.types';
import { normaliseSlots, perMwhToPerKwh } from './price-slots';
import { array, Fail, finiteNumber, instant, parseJson, record } from './json-fields';

export function parseNordPool(text: string, options: ParseOptions = {}): PriceSeries {
  const fail: Fail = (message) => {
    throw new PriceParseError(options.source, `Nord Pool: ${message}`);
  };
  const doc = record(parseJson(text, fail), '(root)', fail);
  const key = doc.multiAreaEntries !== undefined ? 'multiAreaEntries' : 'multiIndexEntries';
  const entries = array(doc[key], key, fail);
  const areas = new Set<string>();
  for (const e of entries) {
    if (typeof e === 'object' && e !== null)
      for (const a of Object.keys((e as any).entryPerArea ?? {})) areas.add(a);
  }
  const area = options.area ?? (areas.size === 1 ? [...areas][0] : undefined);
  if (area === undefined)
    fail(`choose an area (--area): ${[...areas].sort().join(', ') || 'none in the document'}`);

  const slots = entries.map((raw, i) => {
    const path = `${key}[${i}]`;
    const e = record(raw, path, fail);
    const perArea = record(e.entryPerArea, `${path}.entryPerArea`, fail);
    if (!(area! in perArea))
      fail(`${path}.entryPerArea has no area ${area} (has: ${Object.keys(perArea).join(', ')})`);
    return {
      start: instant(e.deliveryStart, `${path}.deliveryStart`, fail),
      end: instant(e.deliveryEnd, `${path}.deliveryEnd`, fail),
      price: perMwhToPerKwh(finiteNumber(perArea[area!], `${path}.entryPerArea.${area}`, fail)),
    };
  });
  const currency = typeof doc.currency === 'string' ? doc.currency : undefined;
  return { slots: normaliseSlots(slots, fail), currency };
}
