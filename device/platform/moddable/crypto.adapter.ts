/**
 * The crypto port on the ESP32 and the virtual board: HMAC-SHA256 (RFC 2104 §2) over the Moddable
 * SDK's native SHA-256 (`crypt` Digest, modules/crypt/digest: C, FIPS 180-4). Its `write` takes
 * any byte view (the SDK reads it as a buffer), so a message slice is hashed without a copy.
 */
import { Digest } from 'crypt';
import type { CryptoPort } from '../../core/ports';

/** SHA-256 block size (FIPS 180-4 §1). */
const BLOCK_BYTES = 64;

export class ModdableCrypto implements CryptoPort {
  private readonly digest = new Digest('SHA256');
  private readonly inner = new Uint8Array(BLOCK_BYTES);
  private readonly outer = new Uint8Array(BLOCK_BYTES);

  hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
    const digest = this.digest;
    const k = key.length > BLOCK_BYTES ? new Uint8Array(this.hash(key)) : key;
    for (let i = 0; i < BLOCK_BYTES; i++) {
      const byte = i < k.length ? k[i] : 0;
      this.inner[i] = byte ^ 0x36;
      this.outer[i] = byte ^ 0x5c;
    }
    digest.reset();
    digest.write(this.inner.buffer);
    digest.write(message as unknown as ArrayBuffer);
    const innerHash = digest.close();
    digest.reset();
    digest.write(this.outer.buffer);
    digest.write(innerHash);
    return new Uint8Array(digest.close());
  }

  private hash(bytes: Uint8Array): ArrayBuffer {
    this.digest.reset();
    this.digest.write(bytes as unknown as ArrayBuffer);
    return this.digest.close();
  }
}
