/**
 * The portable Ed25519 verification, SHA-512 and streaming SHA-256 against published vectors:
 * RFC 8032 §7.1 (Ed25519 tests 1–3), FIPS 180-4 (SHA-512 of "abc" and the 896-bit message), and a
 * SHA-256 stream cut and resumed mid-block. Runs in Node and in XS.
 */
import { fromHex, toHex, utf8Encode } from '@dinmeter/shared';
import { check, checkEqual, checkThrows, XsTest } from '../../xs/harness';
import { ed25519Verify } from './ed25519';
import { sha256, Sha256Stream } from './sha256';
import { sha512 } from './sha512';

/** RFC 8032 §7.1: public key, message, signature. */
const RFC8032: [string, string, string, string][] = [
  [
    'TEST 1 (empty message)',
    'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    '',
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  ],
  [
    'TEST 2 (one byte)',
    '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    '72',
    '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  ],
  [
    'TEST 3 (two bytes)',
    'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    'af82',
    '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  ],
];

const flipped = (hex: string, index: number): Uint8Array => {
  const bytes = fromHex(hex);
  bytes[index] ^= 0x01;
  return bytes;
};

const tests: XsTest[] = [
  ...RFC8032.map(([name, key, message, signature]) => ({
    name: `ed25519: RFC 8032 ${name} verifies`,
    run: () => check(ed25519Verify(fromHex(key), fromHex(message), fromHex(signature)), `${name} must verify`),
  })),
  {
    name: 'ed25519: a changed message, R, S or key fails',
    run: () => {
      const [, key, message, signature] = RFC8032[2];
      check(!ed25519Verify(fromHex(key), fromHex('af83'), fromHex(signature)), 'changed message');
      check(!ed25519Verify(fromHex(key), fromHex(message), flipped(signature, 3)), 'changed R');
      check(!ed25519Verify(fromHex(key), fromHex(message), flipped(signature, 40)), 'changed S');
      check(!ed25519Verify(flipped(key, 7), fromHex(message), fromHex(signature)), 'changed key');
    },
  },
  {
    name: 'ed25519: S ≥ L is refused (RFC 8032 §5.1.7 step 1: no malleable signatures)',
    run: () => {
      const [, key, message, signature] = RFC8032[0];
      const bytes = fromHex(signature);
      bytes.fill(0xff, 32);
      check(!ed25519Verify(fromHex(key), fromHex(message), bytes), 'S of all ones');
    },
  },
  {
    name: 'ed25519: wrong key or signature lengths throw with the length',
    run: () => {
      checkThrows(() => ed25519Verify(new Uint8Array(31), new Uint8Array(0), new Uint8Array(64)), /32 bytes, got 31/);
      checkThrows(() => ed25519Verify(new Uint8Array(32), new Uint8Array(0), new Uint8Array(63)), /64 bytes, got 63/);
    },
  },
  {
    name: 'sha512: FIPS 180-4 examples',
    run: () => {
      checkEqual(
        toHex(sha512(utf8Encode('abc'))),
        'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
        '"abc"',
      );
      checkEqual(
        toHex(sha512(utf8Encode('abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu'))),
        '8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909',
        'the 896-bit message',
      );
    },
  },
  {
    name: 'sha256 stream: cut at every length up to two blocks, resumed from its state, equals the one-shot hash',
    run: () => {
      const data = Uint8Array.from({ length: 300 }, (_, k) => (k * 31) & 0xff);
      const whole = toHex(sha256(data));
      for (let cut = 0; cut <= 130; cut++) {
        const first = new Sha256Stream().update(data.subarray(0, cut));
        const resumed = Sha256Stream.resume(first.state()).update(data.subarray(cut));
        checkEqual(resumed.byteLength, data.length, `length after a cut at ${cut}`);
        checkEqual(toHex(resumed.digest()), whole, `cut at ${cut}`);
      }
      checkThrows(() => Sha256Stream.resume('garbage'), /not a SHA-256 state/);
    },
  },
];

export default tests;
