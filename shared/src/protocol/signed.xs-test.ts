/**
 * The signed envelope (signed.ts) and the meter's verification of it, as vectors that run in
 * Node and in XS: one fixed envelope (key, body and MAC computed with OpenSSL) pins the wire
 * format; every forgery below must be refused.
 */
import { check, checkEqual, checkThrows, XsTest } from '../../../device/xs/harness';
import { hmacSha256, portableCrypto } from '../../../device/core/security/sha256';
import { SignedMessageVerifier } from '../../../device/core/security/signed-messages';
import { utf8Decode, utf8Encode } from '../utf8';
import { encodeMessage } from './codec';
import { exampleMessage } from './protocol.examples';
import { maxSignedBytes, openSigned, parseCommandKeyHex, sealSigned, SIGNED_ENVELOPE_OVERHEAD_BYTES, SignedKind, toHex, unverifiedCommandId } from './signed';

const KEY = parseCommandKeyHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
const OTHER_KEY = parseCommandKeyHex('ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
const BODY = '{"v":1,"id":"c-1","seq":1700000000000,"expires":1700000060000,"op":"relay","circuit":3,"state":"off"}';
/** HMAC-SHA256(KEY, "cmd\n" + BODY), by OpenSSL (Node's crypto). */
const CMD_MAC = 'c4c7c8ebab74c864679b757a1e64a5f8c3e9a691966b875cc40857f2bfd1f33e';
const ENVELOPE = `{"mac":"${CMD_MAC}","msg":${BODY}}`;

const sign = (kind: SignedKind, body: string, key = KEY): string => sealSigned(kind, body, (input) => hmacSha256(key, input));
const meter = new SignedMessageVerifier(portableCrypto, KEY);
const refusal = (kind: SignedKind, payload: string | Uint8Array, verifier = meter): string => {
  const result = verifier.verify(kind, typeof payload === 'string' ? utf8Encode(payload) : payload);
  if (result.ok) throw new Error(`accepted: ${typeof payload === 'string' ? payload.slice(0, 120) : 'bytes'}`);
  return result.error;
};

const tests: XsTest[] = [
  {
    name: 'signed: the fixed envelope vector, sealed and verified to the byte',
    run() {
      checkEqual(sign('cmd', BODY), ENVELOPE, 'sealed envelope');
      checkEqual(ENVELOPE.length, BODY.length + SIGNED_ENVELOPE_OVERHEAD_BYTES, 'overhead');
      const result = meter.verify('cmd', utf8Encode(ENVELOPE));
      check(result.ok && utf8Decode(result.body) === BODY, 'verified body is the exact bytes');
      checkEqual(JSON.stringify(JSON.parse(ENVELOPE).msg), BODY, 'the envelope is plain JSON');
    },
  },
  {
    name: 'signed: every example command and plan round-trips',
    run() {
      for (const kind of ['cmd', 'plan'] as const) {
        const body = encodeMessage(kind, exampleMessage(kind));
        const result = meter.verify(kind, utf8Encode(sign(kind, body)));
        check(result.ok && utf8Decode(result.body) === body, kind);
      }
    },
  },
  {
    name: 'signed: forgeries are refused (wrong key, no MAC, MAC over other bytes, a cmd MAC as a plan, layout games)',
    run() {
      const flipped = BODY.replace('"state":"off"', '"state":"on"');
      check(refusal('cmd', sign('cmd', BODY, OTHER_KEY)).includes('does not verify'), 'wrong key');
      check(refusal('cmd', BODY).includes('not a signed envelope'), 'bare command');
      check(refusal('cmd', `{"mac":"${CMD_MAC}","msg":${flipped}}`).includes('does not verify'), 'MAC over other bytes');
      check(refusal('plan', ENVELOPE).includes('does not verify'), 'cmd MAC presented as a plan');
      check(refusal('cmd', ENVELOPE.replace(CMD_MAC, CMD_MAC.toUpperCase())).includes('lower-case hex'), 'upper-case hex');
      check(refusal('cmd', ENVELOPE.replace('","msg":', '", "msg":')).includes('must follow the mac'), 'a space');
      check(refusal('cmd', `${ENVELOPE} `).includes('closing brace'), 'trailing space');
      check(refusal('cmd', `{"msg":${BODY},"mac":"${CMD_MAC}"}`).includes('not a signed envelope'), 'fields swapped');
      check(refusal('cmd', ENVELOPE.slice(0, 40)).includes('not a signed envelope'), 'truncated');
      check(refusal('cmd', '').includes('not a signed envelope'), 'empty');
      const tooLong = utf8Encode(`{"mac":"${CMD_MAC}","msg":{"pad":"${'x'.repeat(maxSignedBytes('cmd'))}"}}`);
      check(refusal('cmd', tooLong).includes('exceeds'), 'oversized');
      const opened = openSigned('cmd', utf8Encode(ENVELOPE));
      check(opened.ok && toHex(opened.mac) === CMD_MAC, 'openSigned reads the MAC');
    },
  },
  {
    name: 'signed: a meter without a command key refuses everything, signed or not',
    run() {
      const keyless = new SignedMessageVerifier(portableCrypto, undefined);
      check(!keyless.hasKey, 'hasKey');
      check(refusal('cmd', ENVELOPE, keyless).includes('no command key'), 'signed cmd');
      check(refusal('plan', BODY, keyless).includes('no command key'), 'bare plan');
    },
  },
  {
    name: 'signed: the id of a refused command is read from the envelope or a bare command, for the ack only',
    run() {
      checkEqual(unverifiedCommandId(utf8Encode(ENVELOPE)), 'c-1', 'envelope');
      checkEqual(unverifiedCommandId(BODY), 'c-1', 'bare');
      checkEqual(unverifiedCommandId('{"mac":"x","msg":{"id":7}}'), undefined, 'non-string id');
      checkEqual(unverifiedCommandId('not json'), undefined, 'garbage');
      checkEqual(unverifiedCommandId(`{"id":"${'i'.repeat(65)}"}`), undefined, 'id too long');
    },
  },
  {
    name: 'signed: sealing refuses what is not one JSON object, and oversized messages; keys are 64 hex digits',
    run() {
      checkThrows(() => sign('cmd', '[1]'), /not a JSON object text/);
      checkThrows(() => sign('cmd', `{"pad":"${'x'.repeat(5000)}"}`), /limit is 4096/);
      checkThrows(() => parseCommandKeyHex('abcd'), /64 hex digits, got 4/);
      checkThrows(() => parseCommandKeyHex('z'.repeat(64)), /non-hex/);
    },
  },
];

export default tests;
