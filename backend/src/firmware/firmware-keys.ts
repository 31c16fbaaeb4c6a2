/**
 * Ed25519 keys and signatures of firmware manifests with Node's crypto (docs/ota.md "Signed
 * images"): what the `dinmeter firmware` CLI signs with and the backend checks uploads with. The
 * meter checks the same signature with its portable verifier (device/core/security/ed25519.ts).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, sign, verify } from 'node:crypto';
import { FirmwareManifest, firmwareManifestBytes, fromHex, toHex } from '@dinmeter/shared';

/** RFC 8410 §4: the DER SubjectPublicKeyInfo of an Ed25519 key is this prefix and the 32 key bytes. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function generateFirmwareKeyPair(): { privateKeyPem: string; publicKeyHex: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), publicKeyHex: rawPublicKeyHex(publicKey) };
}

export function rawPublicKeyHex(key: KeyObject): string {
  return toHex(key.export({ format: 'der', type: 'spki' }).subarray(ED25519_SPKI_PREFIX.length));
}

/** The Ed25519 private key of a PEM text; throws saying what else it is. */
export function firmwarePrivateKey(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`the firmware key must be an Ed25519 private key, this one is ${key.asymmetricKeyType}`);
  return key;
}

/** The manifest's signature, 128 hex digits. */
export function signFirmwareManifest(manifest: FirmwareManifest, privateKey: KeyObject): string {
  return sign(null, firmwareManifestBytes(manifest), privateKey).toString('hex');
}

/** True when `signatureHex` is the signature of `manifest` by the raw public key `publicKeyHex`. */
export function verifyFirmwareManifest(manifest: FirmwareManifest, signatureHex: string, publicKeyHex: string): boolean {
  const key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, fromHex(publicKeyHex)]), format: 'der', type: 'spki' });
  return verify(null, firmwareManifestBytes(manifest), key, fromHex(signatureHex));
}
