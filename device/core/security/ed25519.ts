/**
 * Ed25519 signature verification (RFC 8032 §5.1) in plain TypeScript with BigInt: the meter checks
 * a firmware manifest's signature with the public key built into its image (docs/ota.md). XS has
 * BigInt and the Moddable SDK's `crypt` has no Ed25519, so this runs the same in Node, in the XS
 * test engine and on the ESP32. Verification only: nothing here handles a secret, so constant time
 * does not matter. Checked against RFC 8032 §7.1 and Node's own signatures (ed25519.xs-test.ts,
 * ed25519.spec.ts).
 */
import { sha512 } from './sha512';

/** §5.1: the field prime 2^255 − 19, the group order L, the curve constant d = −121665/121666. */
const P = (1n << 255n) - 19n;
const L = (1n << 252n) + 27742317777372353535851937790883648493n;
const D = 37095705934669439343138083508754565189542113879843219016388785533085940283555n;
const D2 = (2n * D) % P;
/** sqrt(−1) mod p, for the square root in point decoding (§5.1.3 step 3). */
const SQRT_M1 = 19681161376707505956807079304988542015446066515923890162744021073123829784752n;

export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;

/** Extended homogeneous coordinates (§5.1.4): x = X/Z, y = Y/Z, x·y = T/Z. */
interface Point {
  X: bigint;
  Y: bigint;
  Z: bigint;
  T: bigint;
}

const mod = (a: bigint, m = P): bigint => {
  const r = a % m;
  return r < 0n ? r + m : r;
};

function pow(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
  }
  return result;
}

/** §5.1.4 addition; the formulas are unified, so they double too. */
function add(p: Point, q: Point): Point {
  const a = mod((p.Y - p.X) * (q.Y - q.X));
  const b = mod((p.Y + p.X) * (q.Y + q.X));
  const c = mod(p.T * D2 * q.T);
  const d = mod(p.Z * 2n * q.Z);
  const e = b - a;
  const f = d - c;
  const g = d + c;
  const h = b + a;
  return { X: mod(e * f), Y: mod(g * h), T: mod(e * h), Z: mod(f * g) };
}

const IDENTITY: Point = { X: 0n, Y: 1n, Z: 1n, T: 0n };

function multiply(scalar: bigint, point: Point): Point {
  let result = IDENTITY;
  let addend = point;
  for (let s = scalar; s > 0n; s >>= 1n) {
    if (s & 1n) result = add(result, addend);
    addend = add(addend, addend);
  }
  return result;
}

function littleEndian(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]);
  return value;
}

/** §5.1.3 point decoding; undefined when the 32 bytes are no point on the curve. */
function decodePoint(bytes: Uint8Array): Point | undefined {
  const encoded = littleEndian(bytes);
  const xSign = encoded >> 255n;
  const y = encoded & ((1n << 255n) - 1n);
  if (y >= P) return undefined;
  const u = mod(y * y - 1n);
  const v = mod(D * y * y + 1n);
  const v3 = (v * v * v) % P;
  let x = mod(u * v3 * pow(u * v3 * v3 * v, (P - 5n) / 8n));
  const vx2 = mod(v * x * x);
  if (vx2 === mod(-u)) x = (x * SQRT_M1) % P;
  else if (vx2 !== u) return undefined;
  if (x === 0n && xSign === 1n) return undefined;
  if ((x & 1n) !== xSign) x = P - x;
  return { X: x, Y: y, Z: 1n, T: (x * y) % P };
}

/** §5.1: the base point B. */
const BASE = decodePoint(
  Uint8Array.of(0x58, ...new Array<number>(31).fill(0x66)), // y = 4/5, x positive
) as Point;

function samePoint(p: Point, q: Point): boolean {
  return mod(p.X * q.Z) === mod(q.X * p.Z) && mod(p.Y * q.Z) === mod(q.Y * p.Z);
}

/**
 * RFC 8032 §5.1.7: true when `signature` is `publicKey`'s Ed25519 signature of `message`.
 * Wrong lengths are programmer errors and throw; a signature that does not verify, or bytes
 * that are no point, return false.
 */
export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES) throw new RangeError(`an Ed25519 public key is ${ED25519_PUBLIC_KEY_BYTES} bytes, got ${publicKey.length}`);
  if (signature.length !== ED25519_SIGNATURE_BYTES) throw new RangeError(`an Ed25519 signature is ${ED25519_SIGNATURE_BYTES} bytes, got ${signature.length}`);
  const a = decodePoint(publicKey);
  const r = decodePoint(signature.subarray(0, 32));
  const s = littleEndian(signature.subarray(32));
  if (!a || !r || s >= L) return false;
  const k = mod(littleEndian(sha512(signature.subarray(0, 32), publicKey, message)), L);
  // Cofactorless check [S]B = R + [k]A, as OpenSSL (Node's crypto) does.
  return samePoint(multiply(s, BASE), add(r, multiply(k, a)));
}
