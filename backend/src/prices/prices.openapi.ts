import { array, bool, int, isoTime, num, object, str } from '../openapi/schema';

export const PRICES = object({
  area: str,
  'currency?': str,
  from: isoTime,
  to: isoTime,
  slots: array(object({ start: isoTime, end: isoTime, price: { ...num, description: 'per kWh' }, 'consumerPrice?': { ...num, description: 'after the tariff (TARIFF_FILE)' } })),
});

export const PRICES_STORED = object({ area: str, stored: int, from: isoTime, to: isoTime, 'currency?': str, consumerPrices: bool });

/** A JSON array body: the slots themselves. */
export const PRICE_SLOTS_BODY = array(object({ start: str, end: str, price: num }), 'slots, ISO instants');
