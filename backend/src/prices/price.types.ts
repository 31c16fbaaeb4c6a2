/**
 * One delivery interval of a day-ahead (or tariff) price.
 * `start`/`end` are UTC instants in ms since the epoch, `end` exclusive; `price` is in the series'
 * currency per kWh (market data in EUR/MWh is divided by 1000 by the parsers).
 */
export interface PriceSlot {
  start: number;
  end: number;
  price: number;
}

export interface PriceSeries {
  slots: PriceSlot[];
  /** ISO 4217 code when the source says it (EUR, SEK…). */
  currency?: string;
}

export const PRICE_FORMATS = ['entsoe', 'esios', 'nordpool', 'json', 'csv'] as const;
export type PriceFormat = (typeof PRICE_FORMATS)[number];

export interface ParseOptions {
  /** Name of the input for error messages (a file name). */
  source?: string;
  /** Nord Pool delivery area / index name (SE3, DK1…). Required when the document has several. */
  area?: string;
  /** ENTSO-E classificationSequence position: 1 = primary day-ahead auction (default). */
  position?: number;
  /** ESIOS geo_id (8741 Península by default). */
  geoId?: number;
}

/** Bad price input: the message names the source and the place in it. */
export class PriceParseError extends Error {
  constructor(source: string | undefined, message: string) {
    super(source ? `${source}: ${message}` : message);
    this.name = 'PriceParseError';
  }
}
