/**
 * The `preference` module (ESP-IDF NVS) on the virtual board: one JSON file `nvs.json` in the
 * working directory, replaced atomically per change as NVS commits a key atomically; a power cut
 * during the write keeps the previous value. Limits as on the ESP32: domain and key ≤ 15
 * characters, strings ≤ 4000 bytes.
 */
import { readText, replaceText } from 'platform/lin/host-files';
import { storageWrite } from 'platform/lin/power';

const PATH = 'nvs.json';
const MAX_NAME = 15;
const MAX_STRING = 4000;

type Value = string | boolean | number | ArrayBuffer;
type Stored = string | boolean | number | { bytes: number[] };

let cache: Record<string, Record<string, Stored>> | undefined;

function load(): Record<string, Record<string, Stored>> {
  cache ??= JSON.parse(readText(PATH) ?? '{}') as Record<string, Record<string, Stored>>;
  return cache;
}

function checkName(what: string, name: string): void {
  if (typeof name !== 'string' || name.length < 1 || name.length > MAX_NAME) throw new RangeError(`NVS ${what} must be 1..${MAX_NAME} characters: ${JSON.stringify(name)}`);
}

function save(what: string, next: Record<string, Record<string, Stored>>): void {
  const text = JSON.stringify(next);
  storageWrite(what, text.length, (bytes) => replaceText(PATH, text, bytes));
  cache = next;
}

const Preference = {
  get(domain: string, key: string): Value | undefined {
    checkName('domain', domain);
    checkName('key', key);
    const value = load()[domain]?.[key];
    if (value !== null && typeof value === 'object') return new Uint8Array(value.bytes).buffer;
    return value;
  },

  set(domain: string, key: string, value: Value): void {
    checkName('domain', domain);
    checkName('key', key);
    let stored: Stored;
    if (value instanceof ArrayBuffer) stored = { bytes: Array.from(new Uint8Array(value)) };
    else if (typeof value === 'string' && value.length >= MAX_STRING) throw new RangeError(`NVS string too long: ${value.length}`);
    else if (typeof value === 'number' && !Number.isInteger(value)) throw new TypeError(`NVS numbers are integers: ${value}`);
    else if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') throw new TypeError(`unsupported NVS value: ${typeof value}`);
    else stored = value;
    const current = load();
    save(`nvs set ${domain}.${key}`, { ...current, [domain]: { ...current[domain], [key]: stored } });
  },

  delete(domain: string, key: string): void {
    checkName('domain', domain);
    checkName('key', key);
    const current = load();
    if (current[domain]?.[key] === undefined) return;
    const entries = { ...current[domain] };
    delete entries[key];
    save(`nvs delete ${domain}.${key}`, { ...current, [domain]: entries });
  },

  keys(domain: string): string[] {
    checkName('domain', domain);
    return Object.keys(load()[domain] ?? {});
  },
};

export default Preference;
