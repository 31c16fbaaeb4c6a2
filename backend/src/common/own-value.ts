/**
 * `record[key]` only when the record itself holds the key. Device ids such as `constructor` or
 * `toString` are valid (shared/src/protocol/topics.ts DEVICE_ID_PATTERN), and a plain object keyed by
 * device id would otherwise hand back Object.prototype's function (found by the fuzz, hil-tests/fuzz).
 */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
