/**
 * The portable SHA-256 and HMAC-SHA256 against the published vectors: FIPS 180-4 (NIST's example
 * values for SHA-256) and RFC 4231 §4 (HMAC-SHA256 test cases 1–7). Runs in Node and in XS.
 */
import { toHex, utf8Encode } from '@dinmeter/shared';
import { check, checkEqual, XsTest } from '../../xs/harness';
import { hmacSha256, sha256 } from './sha256';

const ascii = (text: string): Uint8Array => utf8Encode(text);
const filled = (length: number, byte: number): Uint8Array => new Uint8Array(length).fill(byte);
const counting = (from: number, to: number): Uint8Array => Uint8Array.from({ length: to - from + 1 }, (_, k) => from + k);

const SHA256_VECTORS: [string, () => Uint8Array, string][] = [
  ['""', () => new Uint8Array(0), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  ['"abc"', () => ascii('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ['the 448-bit message', () => ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'), '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
  ['one million "a"', () => filled(1_000_000, 0x61), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0'],
];

/** RFC 4231 §4.2–4.8; case 5's output is truncated to 128 bits there. */
const HMAC_VECTORS: [number, Uint8Array, Uint8Array, string][] = [
  [1, filled(20, 0x0b), ascii('Hi There'), 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7'],
  [2, ascii('Jefe'), ascii('what do ya want for nothing?'), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'],
  [3, filled(20, 0xaa), filled(50, 0xdd), '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe'],
  [4, counting(1, 25), filled(50, 0xcd), '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b'],
  [5, filled(20, 0x0c), ascii('Test With Truncation'), 'a3b6167473100ee06e0c796c2955552b'],
  [6, filled(131, 0xaa), ascii('Test Using Larger Than Block-Size Key - Hash Key First'), '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54'],
  [
    7,
    filled(131, 0xaa),
    ascii('This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.'),
    '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
  ],
];

const tests: XsTest[] = [
  ...SHA256_VECTORS.map(([what, input, expected]) => ({
    name: `sha256: FIPS 180-4 example ${what}`,
    run: () => checkEqual(toHex(sha256(input())), expected, what),
  })),
  ...HMAC_VECTORS.map(([n, key, data, expected]) => ({
    name: `hmac-sha256: RFC 4231 test case ${n}`,
    run: () => checkEqual(toHex(hmacSha256(key, data)).slice(0, expected.length), expected, `case ${n}`),
  })),
  {
    name: 'sha256: parts hash as their concatenation, at every split around the 55/56/64-byte padding edges',
    run() {
      for (const length of [55, 56, 63, 64, 65, 119, 120]) {
        const message = counting(0, length - 1);
        const whole = toHex(sha256(message));
        for (let split = 0; split <= length; split += 7) {
          checkEqual(toHex(sha256(message.subarray(0, split), message.subarray(split))), whole, `length ${length} split ${split}`);
        }
        check(whole.length === 64, 'digest length');
      }
    },
  },
];

export default tests;
