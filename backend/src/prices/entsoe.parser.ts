/**
 * ENTSO-E Transparency Platform day-ahead prices (document type A44, Publication_MarketDocument),
 * per the Transparency Platform "Implementation Guide" and its XSD (urn:iec62325.351:tc57wg16:451-3).
 *
 * - Each TimeSeries has Periods with `timeInterval`, `resolution` (PT15M, PT60M…) and Points
 *   `{position, price.amount}`, price in `currency_Unit.name` per `price_Measure_Unit.name` (MWH).
 * - curveType A03 ("variable sized block") leaves out a position whose price equals the previous one:
 *   the price holds until the next given position or the end of the Period. A01 gives every position.
 * - Several TimeSeries may cover the same period, told apart only by
 *   `classificationSequence_AttributeInstanceComponent.position` (1 = primary auction, 2 = e.g. the
 *   EXAA auction in DE-LU). Document order means nothing: select on the field (absent = 1).
 */
import { ParseOptions, PriceParseError, PriceSeries, PriceSlot } from './price.types';
import { normaliseSlots, parseDurationMs, parseInstant, perMwhToPerKwh } from './price-slots';
import {
  childText,
  childrenNamed,
  optionalChild,
  parseXml,
  requiredChild,
  XmlElement,
  XmlError,
} from './xml.reader';

const SEQUENCE_FIELD = 'classificationSequence_AttributeInstanceComponent.position';

export function parseEntsoe(text: string, options: ParseOptions = {}): PriceSeries {
  const wanted = options.position ?? 1;
  const fail: (message: string) => never = (message) => {
    throw new PriceParseError(options.source, `ENTSO-E: ${message}`);
  };
  try {
    const root = parseXml(text);
    if (root.name === 'Acknowledgement_MarketDocument') {
      // What the API answers instead of data, e.g. "No matching data found" before publication.
      const reasons = childrenNamed(root, 'Reason').map((r) => optionalChild(r, 'text')?.text.trim() ?? '');
      fail(`acknowledgement instead of prices: ${reasons.filter(Boolean).join('; ') || 'no reason given'}`);
    }
    if (root.name !== 'Publication_MarketDocument')
      fail(`root element is <${root.name}>, expected <Publication_MarketDocument>`);
    const docType = optionalChild(root, 'type')?.text.trim();
    if (docType !== undefined && docType !== 'A44') fail(`document type ${docType}, expected A44 (prices)`);

    const series = childrenNamed(root, 'TimeSeries');
    if (series.length === 0) fail('no <TimeSeries> in the document');
    const seen = new Set<number>();
    const slots: PriceSlot[] = [];
    let currency: string | undefined;
    series.forEach((ts, i) => {
      const where = `TimeSeries #${i + 1} (line ${ts.line})`;
      const seqText = optionalChild(ts, SEQUENCE_FIELD)?.text.trim() ?? '1';
      const seq = Number(seqText);
      if (!Number.isInteger(seq) || seq < 1)
        fail(`${where}: ${SEQUENCE_FIELD} '${seqText}' is not a positive integer`);
      seen.add(seq);
      if (seq !== wanted) return;
      const unit = childText(ts, 'price_Measure_Unit.name');
      if (unit !== 'MWH') fail(`${where}: price unit ${unit}, expected MWH`);
      const cur = childText(ts, 'currency_Unit.name');
      if (currency !== undefined && cur !== currency)
        fail(`${where}: currency ${cur} differs from ${currency}`);
      currency = cur;
      const curve = optionalChild(ts, 'curveType')?.text.trim() ?? 'A01';
      if (curve !== 'A01' && curve !== 'A03') fail(`${where}: curveType ${curve} not supported (A01, A03)`);
      const periods = childrenNamed(ts, 'Period');
      if (periods.length === 0) fail(`${where}: no <Period>`);
      for (const period of periods)
        slots.push(...periodSlots(period, curve, `${where} Period line ${period.line}`, fail));
    });
    if (!seen.has(wanted))
      fail(`no TimeSeries with ${SEQUENCE_FIELD} ${wanted} (found: ${[...seen].sort().join(', ')})`);
    return { slots: normaliseSlots(slots, fail), currency };
  } catch (err) {
    if (err instanceof XmlError) fail(err.message);
    throw err;
  }
}

function periodSlots(
  period: XmlElement,
  curve: string,
  where: string,
  fail: (m: string) => never,
): PriceSlot[] {
  const interval = requiredChild(period, 'timeInterval');
  const start = instant(childText(interval, 'start'), `${where}: timeInterval start`, fail);
  const end = instant(childText(interval, 'end'), `${where}: timeInterval end`, fail);
  const resText = childText(period, 'resolution');
  const step = parseDurationMs(resText);
  if (step === undefined) fail(`${where}: resolution '${resText}' is not an ISO 8601 duration`);
  if (end <= start || (end - start) % step !== 0)
    fail(`${where}: timeInterval is not a whole number of ${resText}`);
  const count = (end - start) / step;

  const prices: (number | undefined)[] = new Array(count).fill(undefined);
  for (const point of childrenNamed(period, 'Point')) {
    const posText = childText(point, 'position');
    const pos = Number(posText);
    if (!Number.isInteger(pos) || pos < 1 || pos > count) {
      fail(`${where}: Point line ${point.line}: position '${posText}' outside 1..${count}`);
    }
    if (prices[pos - 1] !== undefined)
      fail(`${where}: Point line ${point.line}: position ${pos} given twice`);
    const amountText = childText(point, 'price.amount');
    const amount = Number(amountText);
    if (amountText === '' || !Number.isFinite(amount)) {
      fail(`${where}: Point line ${point.line}: price.amount '${amountText}' is not a number`);
    }
    prices[pos - 1] = amount;
  }
  if (prices[0] === undefined) fail(`${where}: no Point at position 1`);
  const slots: PriceSlot[] = [];
  let last = prices[0];
  for (let i = 0; i < count; i++) {
    const given = prices[i];
    if (given === undefined && curve === 'A01')
      fail(`${where}: position ${i + 1} missing (curveType A01 gives every position)`);
    last = given ?? last; // A03: a left-out position repeats the previous price
    slots.push({ start: start + i * step, end: start + (i + 1) * step, price: perMwhToPerKwh(last) });
  }
  return slots;
}

function instant(text: string, what: string, fail: (m: string) => never): number {
  const ms = parseInstant(text);
  if (ms === undefined) fail(`${what} '${text}' is not an ISO 8601 UTC instant`);
  return ms;
}
