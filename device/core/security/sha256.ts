/**
 * SHA-256 (FIPS 180-4 §6.2) and HMAC-SHA256 (RFC 2104) in plain TypeScript, for where no native
 * digest exists: the XS test engine (xsnap) and benches. The meter itself uses its platform's
 * crypto port (Node's crypto on the host, the Moddable SDK's `crypt` digest on the ESP32/lin);
 * this is the reference the ports are held to (sha256.xs-test.ts: FIPS 180-4 and RFC 4231 vectors).
 */
import type { CryptoPort } from '../ports';

/** FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
  0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
  0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
  0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
/** FIPS 180-4 §5.3.3: the initial hash value. */
const H0 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
const BLOCK_BYTES = 64;

/** SHA-256 of the concatenation of `parts`. */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  const hash = new Sha256Stream();
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/**
 * Incremental SHA-256: a firmware image is hashed as it streams in, and the state survives a
 * power cut (`state()` / `Sha256Stream.resume`), so a download resumes without re-reading the slot.
 */
export class Sha256Stream {
  private readonly h = new Int32Array(H0);
  private readonly block = new Uint8Array(BLOCK_BYTES);
  private readonly w = new Uint32Array(64);
  private length = 0;
  private finished = false;

  /** A hash continued from a `state()` string; throws on anything else. */
  static resume(state: string): Sha256Stream {
    const match = /^([0-9a-f]{64}):([0-9a-f]{0,128}):([0-9]{1,15})$/.exec(state);
    const length = match ? Number(match[3]) : NaN;
    if (!match || match[2].length !== (length % BLOCK_BYTES) * 2) throw new Error(`not a SHA-256 state: ${state.slice(0, 40)}`);
    const hash = new Sha256Stream();
    for (let i = 0; i < 8; i++) hash.h[i] = parseInt(match[1].slice(i * 8, i * 8 + 8), 16) | 0;
    for (let i = 0; i < match[2].length / 2; i++) hash.block[i] = parseInt(match[2].slice(i * 2, i * 2 + 2), 16);
    hash.length = length;
    return hash;
  }

  get byteLength(): number {
    return this.length;
  }

  update(data: Uint8Array): this {
    if (this.finished) throw new Error('SHA-256 already finished');
    for (let i = 0; i < data.length; ) {
      const used = this.length % BLOCK_BYTES;
      const take = Math.min(BLOCK_BYTES - used, data.length - i);
      this.block.set(data.subarray(i, i + take), used);
      this.length += take;
      i += take;
      if (used + take === BLOCK_BYTES) this.compress();
    }
    return this;
  }

  /** The running state (hash words, buffered bytes, length) as text: what `resume` takes. */
  state(): string {
    let hex = '';
    for (let i = 0; i < 8; i++) hex += (this.h[i] >>> 0).toString(16).padStart(8, '0');
    let rest = '';
    for (let i = 0; i < this.length % BLOCK_BYTES; i++) rest += this.block[i].toString(16).padStart(2, '0');
    return `${hex}:${rest}:${this.length}`;
  }

  digest(): Uint8Array {
    // §5.1.1 padding: 0x80, zeros, the bit length as a 64-bit big-endian number.
    const bits = this.length * 8;
    const tail = new Uint8Array(((this.length % BLOCK_BYTES) + 8 < BLOCK_BYTES ? BLOCK_BYTES : 2 * BLOCK_BYTES) - (this.length % BLOCK_BYTES));
    tail[0] = 0x80;
    const end = tail.length;
    tail[end - 5] = Math.floor(bits / 0x100000000) & 0xff;
    tail[end - 4] = (bits >>> 24) & 0xff;
    tail[end - 3] = (bits >>> 16) & 0xff;
    tail[end - 2] = (bits >>> 8) & 0xff;
    tail[end - 1] = bits & 0xff;
    const length = this.length;
    this.update(tail);
    this.length = length;
    this.finished = true;
    const out = new Uint8Array(32);
    for (let i = 0; i < 8; i++) {
      out[i * 4] = this.h[i] >>> 24;
      out[i * 4 + 1] = (this.h[i] >>> 16) & 0xff;
      out[i * 4 + 2] = (this.h[i] >>> 8) & 0xff;
      out[i * 4 + 3] = this.h[i] & 0xff;
    }
    return out;
  }

  private compress(): void {
    const { h, w, block } = this;
    for (let t = 0; t < 16; t++) {
      const i = t * 4;
      w[t] = (block[i] << 24) | (block[i + 1] << 16) | (block[i + 2] << 8) | block[i + 3];
    }
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15];
      const y = w[t - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
    }
    let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (let t = 0; t < 64; t++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (k + S1 + ch + K[t] + w[t]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      k = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] = (h[0] + a) | 0;
    h[1] = (h[1] + b) | 0;
    h[2] = (h[2] + c) | 0;
    h[3] = (h[3] + d) | 0;
    h[4] = (h[4] + e) | 0;
    h[5] = (h[5] + f) | 0;
    h[6] = (h[6] + g) | 0;
    h[7] = (h[7] + k) | 0;
  }
}

/** HMAC-SHA256 (RFC 2104 §2, B = 64): H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ message)); a key longer than a block is hashed first. */
export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  const block = new Uint8Array(BLOCK_BYTES);
  block.set(key.length > BLOCK_BYTES ? sha256(key) : key);
  const inner = new Uint8Array(BLOCK_BYTES);
  const outer = new Uint8Array(BLOCK_BYTES);
  for (let i = 0; i < BLOCK_BYTES; i++) {
    inner[i] = block[i] ^ 0x36;
    outer[i] = block[i] ^ 0x5c;
  }
  return sha256(outer, sha256(inner, message));
}

/** The crypto port in plain TypeScript: where the platform has no native digest (XS tests, benches). */
export const portableCrypto: CryptoPort = { hmacSha256 };
