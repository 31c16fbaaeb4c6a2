/**
 * Payload generators for the fuzz: valid examples (shared/src/protocol/protocol.examples.ts and the
 * encoders) broken in every way a network can break them, plus payloads built from nothing.
 * Structural mutations replace one value (huge numbers, NaN/Infinity strings, wrong types, unicode,
 * deep nesting) or delete/add keys (prototype-pollution keys); text mutations duplicate keys, inject
 * `__proto__`, truncate, pad past the size limits; byte mutations flip bits and insert bytes that
 * are not UTF-8.
 */
import fc from 'fast-check';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

const encoder = new TextEncoder();
export const utf8 = (text: string): Uint8Array => encoder.encode(text);

/** Values that break validators: wrong types, edge numbers, special strings, prototype names. */
const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    true,
    false,
    0,
    -0,
    -1,
    1e308,
    -1e308,
    5e-324,
    2 ** 53 + 1,
    -(2 ** 53) - 1,
    4294967296,
    'NaN',
    'Infinity',
    '-Infinity',
    '1e999',
    '',
    ' ',
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    '\u0000',
    '\ud800',
    '\u202e\u0645\u0631\u062d\u0628\u0627',
    '💡'.repeat(300),
    'x'.repeat(70_000),
    [],
    {},
    { __proto__: null, polluted: true },
    [[[[[[[[[[[]]]]]]]]]]],
  ),
  fc.double(),
  fc.integer(),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((n) => Number(n)),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.jsonValue({ maxDepth: 3 }),
);

const pollutionKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toJSON', 'valueOf', 'then');

function paths(value: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

function setAt(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  // defineProperty: a key named __proto__ becomes an own property (as JSON.parse would make it).
  Object.defineProperty(node, path[path.length - 1], { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

function deleteAt(root: unknown, path: Path): unknown {
  if (path.length === 0) return undefined;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (Array.isArray(node)) node.splice(Number(last), 1);
  else delete node[last];
  return copy;
}

/** JSON.stringify that never throws (bigint, cycles) and keeps NaN/Infinity visible as bare words. */
function stringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'undefined';
  } catch {
    return String(value);
  }
}

/** Structural mutations of a valid message object. */
function structural(example: Json): fc.Arbitrary<string> {
  const all = paths(example);
  const path = fc.nat(all.length - 1).map((i) => all[i]);
  return fc.oneof(
    fc.tuple(path, weirdValue).map(([p, v]) => stringify(setAt(example, p, v))),
    path.map((p) => stringify(deleteAt(example, p))),
    // A prototype-pollution key beside the fields of an object (or as an index of an array).
    fc.tuple(path, pollutionKey, weirdValue).map(([p, key, v]) => {
      try {
        return stringify(setAt(example, [...p, key], v));
      } catch {
        return stringify(setAt(example, [key], v)); // p ends on a primitive
      }
    }),
    // Bare NaN / Infinity where a number was (not JSON, but what a sloppy encoder writes).
    fc.tuple(path, fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e999', '0x10', '01', '1_000')).map(([p, word]) =>
      stringify(setAt(example, p, '\u0001WORD\u0001')).replace('"\\u0001WORD\\u0001"', word),
    ),
    // Several mutations at once.
    fc.array(fc.tuple(path, weirdValue), { minLength: 2, maxLength: 6 }).map((edits) => {
      let value: unknown = example;
      for (const [p, v] of edits) {
        try {
          value = setAt(value, p, v);
        } catch {
          // an earlier edit removed the parent of this path
        }
      }
      return stringify(value);
    }),
  );
}

/** Mutations of the encoded text. */
function textual(valid: string): fc.Arbitrary<string> {
  const body = valid.startsWith('{') ? valid.slice(1) : valid;
  return fc.oneof(
    // Duplicate keys: the later one wins in JSON.parse.
    fc.tuple(fc.constantFrom('v', 'id', 'seq', 'ts', 'circuit', 'state', 'op', 'expires', 'version', 'ok', 'circuits'), weirdValue).map(
      ([key, v]) => `{${JSON.stringify(key)}:${stringify(v)},${body}`,
    ),
    fc.constantFrom(
      `{"__proto__":{"polluted":true,"isAdmin":true},${body}`,
      `{"constructor":{"prototype":{"polluted":true}},${body}`,
      `${valid.slice(0, -1)},"__proto__":{"ok":true,"v":1}}`,
    ),
    fc.nat(valid.length).map((n) => valid.slice(0, n)),
    fc.tuple(fc.nat(valid.length), fc.string({ unit: 'grapheme', maxLength: 8 })).map(([n, s]) => valid.slice(0, n) + s + valid.slice(n)),
    fc.nat(4).map((n) => valid + ' '.repeat(70_000 * n + 5000)),
    fc.constantFrom('[', '{', '"').map((open) => open.repeat(20_000)),
    fc.integer({ min: 100, max: 5000 }).map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
    fc.constant(`\ufeff${valid}`),
    fc.constant(`${valid}${valid}`),
  );
}

/** Byte mutations of the encoded bytes (invalid UTF-8 included). */
function bytewise(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.array(fc.tuple(fc.nat(Math.max(0, valid.length - 1)), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 }).map((flips) => {
      const copy = valid.slice();
      for (const [i, bit] of flips) copy[i] ^= 1 << bit;
      return copy;
    }),
    fc.tuple(fc.nat(valid.length), fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([i, bytes]) => {
      const out = new Uint8Array(valid.length + bytes.length);
      out.set(valid.subarray(0, i));
      out.set(bytes, i);
      out.set(valid.subarray(i), i + bytes.length);
      return out;
    }),
    fc.constantFrom(new Uint8Array([0xc0, 0x80]), new Uint8Array([0xed, 0xa0, 0x80]), new Uint8Array([0xff, 0xfe, 0x00])).map((bad) => {
      const out = new Uint8Array(valid.length + bad.length);
      out.set(bad);
      out.set(valid, bad.length);
      return out;
    }),
  );
}

/** Payloads with no example behind them. */
export const fromNothing: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 200 }).map(utf8),
  fc.jsonValue({ maxDepth: 4 }).map((v) => utf8(stringify(v))),
  fc.constantFrom('', 'ON', 'OFF', 'on', 'online', 'offline', 'null', 'true', '0', '[]', '{}', 'NaN', '"ON"', ' ON ', 'ON\u0000').map(utf8),
);

/**
 * Every way to break one valid payload. `example` is the message object when the payload is JSON,
 * undefined for plain-text payloads (Home Assistant's ON/OFF).
 */
export function mutatedPayload(valid: string, example?: Json): fc.Arbitrary<Uint8Array> {
  const validBytes = utf8(valid);
  const arbitraries: fc.WeightedArbitrary<Uint8Array>[] = [
    { arbitrary: fc.constant(validBytes), weight: 1 },
    { arbitrary: textual(valid).map(utf8), weight: 4 },
    { arbitrary: bytewise(validBytes), weight: 3 },
    { arbitrary: fromNothing, weight: 2 },
  ];
  if (example !== undefined) arbitraries.push({ arbitrary: structural(example).map(utf8), weight: 8 });
  return fc.oneof(...arbitraries);
}

export type { Json };
