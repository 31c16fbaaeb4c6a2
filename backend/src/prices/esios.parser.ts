/**
 * Spain: PVPC prices from REE.
 *
 * - ESIOS API indicator response (`GET /indicators/1001`): `indicator.values[]` with `value` (€/MWh),
 *   `datetime_utc` (or `datetime` with offset) and `geo_id` — one entry per hour per geo
 *   (8741 Península, 8742 Canarias, 8743 Baleares, 8744 Ceuta, 8745 Melilla).
 * - REE "apidatos" format (`mer13`, the PVPC_DATA_* files): `included[]` series, the PVPC one has
 *   id "1001"; `attributes.values[]` with `value` (€/MWh) and `datetime` with the local offset.
 *
 * Each value starts a slot; its length is the indicator's time step ("Hora", "Quince minutos"),
 * else the smallest spacing between values, else one hour. Times come with an explicit offset, so a
 * 25-hour day (two local 02:00, +02:00 then +01:00) gives 25 contiguous UTC hours.
 */
import { ParseOptions, PriceParseError, PriceSeries, PriceSlot } from './price.types';
import { normaliseSlots, perMwhToPerKwh } from './price-slots';
import { array, Fail, finiteNumber, instant, isRecord, parseJson, record } from './json-fields';

export const ESIOS_GEO_PENINSULA = 8741;
const HOUR_MS = 3_600_000;
const STEP_BY_TIEMPO: Record<string, number> = { hora: HOUR_MS, 'quince minutos': 15 * 60_000 };

export function parseEsios(text: string, options: ParseOptions = {}): PriceSeries {
  const fail: Fail = (message) => {
    throw new PriceParseError(options.source, `ESIOS: ${message}`);
  };
  const doc = record(parseJson(text, fail), '(root)', fail);
  if (isRecord(doc.indicator))
    return fromIndicator(doc.indicator, options.geoId ?? ESIOS_GEO_PENINSULA, fail);
  if (Array.isArray(doc.included)) return fromReeData(doc.included, fail);
  return fail('neither an ESIOS indicator ({"indicator": …}) nor REE data ({"included": […]})');
}

function fromIndicator(indicator: Record<string, unknown>, geoId: number, fail: Fail): PriceSeries {
  const values = array(indicator.values, 'indicator.values', fail);
  const starts: number[] = [];
  const prices: number[] = [];
  const geos = new Set<unknown>();
  values.forEach((raw, i) => {
    const path = `indicator.values[${i}]`;
    const v = record(raw, path, fail);
    geos.add(v.geo_id);
    if (v.geo_id !== undefined && v.geo_id !== geoId) return;
    const when = v.datetime_utc ?? v.datetime;
    starts.push(instant(when, `${path}.datetime_utc`, fail));
    prices.push(finiteNumber(v.value, `${path}.value`, fail));
  });
  if (starts.length === 0) fail(`no values for geo_id ${geoId} (found: ${[...geos].join(', ') || 'none'})`);
  const tiempo =
    Array.isArray(indicator.tiempo) && isRecord(indicator.tiempo[0]) ? indicator.tiempo[0].name : undefined;
  const step = typeof tiempo === 'string' ? STEP_BY_TIEMPO[tiempo.toLowerCase()] : undefined;
  return { slots: toSlots(starts, prices, step, fail), currency: 'EUR' };
}

function fromReeData(included: unknown[], fail: Fail): PriceSeries {
  const series = included.filter((s) => isRecord(s) && String(s.id) === '1001') as Record<string, unknown>[];
  if (series.length !== 1) fail(`expected one included series with id "1001" (PVPC), found ${series.length}`);
  const attributes = record(series[0].attributes, 'included[id=1001].attributes', fail);
  const values = array(attributes.values, 'included[id=1001].attributes.values', fail);
  const starts: number[] = [];
  const prices: number[] = [];
  values.forEach((raw, i) => {
    const path = `included[id=1001].attributes.values[${i}]`;
    const v = record(raw, path, fail);
    starts.push(instant(v.datetime, `${path}.datetime`, fail));
    prices.push(finiteNumber(v.value, `${path}.value`, fail));
  });
  return { slots: toSlots(starts, prices, undefined, fail), currency: 'EUR' };
}

function toSlots(
  starts: number[],
  pricesPerMwh: number[],
  step: number | undefined,
  fail: Fail,
): PriceSlot[] {
  let length = step;
  if (length === undefined) {
    const sorted = [...starts].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) {
      const gap = sorted[i] - sorted[i - 1];
      if (gap > 0 && (length === undefined || gap < length)) length = gap;
    }
  }
  const ms = length ?? HOUR_MS;
  const slots = starts.map((start, i) => ({
    start,
    end: start + ms,
    price: perMwhToPerKwh(pricesPerMwh[i]),
  }));
  return normaliseSlots(slots, fail);
}
