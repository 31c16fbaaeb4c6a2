/**
 * The OTA state machine on in-memory slots and HTTP (docs/ota.md): a good image is confirmed; a bad
 * signature or SHA-256 is refused and the old image keeps running; an image that does not reach the
 * backend is rolled back; a broken download and a power cut resume with a Range request. The image
 * is signed with the RFC 8032 §7.1 TEST 1 key. Runs in Node and in XS.
 */
import { FirmwareOrder, fromHex, OtaStatus } from '@dinmeter/shared';
import { check, checkEqual, XsTest } from '../../xs/harness';
import { ManualClock, MemorySettingsStore } from '../relays/testing';
import { OtaAgent } from './ota-agent';
import { rolledBack } from './slot-table';
import { MemoryHttp, MemorySlots } from './testing';

const PUBLIC_KEY = fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
const IMAGE = Uint8Array.from({ length: 200000 }, (_, k) => (k * 7 + 3) & 255);
const URL = 'http://backend:3000/api/firmware/2.0.0/image';
const ORDER: FirmwareOrder = {
  version: '2.0.0',
  url: URL,
  size: IMAGE.length,
  sha256: 'ec0ebf98b6f2954bf0f7b839402b1ba245996c39d18e155414e91a2b4353c157',
  signature: '5cb2695b8145a413590f325aa31e9f1c214a2f9afd9c9dedf146dd78bee0f82f5cbbc6997c26ed2be97af6c1a3e7939ffbbd204f24cdcd01819935931045c607',
};

/** One meter: slots, settings and HTTP survive a "reboot" (`boot()`), the agent and its clock do not. */
function rig(options: { canResume?: boolean } = {}) {
  const slots = new MemorySlots('1.0.0', options.canResume ?? true);
  const settings = new MemorySettingsStore();
  const http = new MemoryHttp();
  http.files.set(URL, IMAGE);
  const statuses: OtaStatus[] = [];
  let clock = new ManualClock(0, 1_700_000_000_000);
  const make = () =>
    new OtaAgent({ slots, http, settings, clock, publicKey: PUBLIC_KEY, checkpointBytes: 65536, retryMs: 1000, confirmDeadlineMs: 60_000, onStatus: (s) => statuses.push(s) });
  let agent = make();
  agent.start();
  return {
    slots,
    settings,
    http,
    statuses,
    get agent() {
      return agent;
    },
    get clock() {
      return clock;
    },
    /** Time passes by `ms` and the agent ticks. */
    after(ms: number) {
      clock.advance(ms);
      agent.tick();
    },
    /** Power comes back (or the meter restarted): a new process on the same flash. */
    boot() {
      slots.boot();
      clock = new ManualClock(0, 1_700_000_000_000);
      agent = make();
      agent.start();
    },
  };
}

const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((byte, k) => byte === b[k]);

const tests: XsTest[] = [
  {
    name: 'ota: a good image downloads, boots pending and is confirmed once the backend is reached',
    run: () => {
      const r = rig();
      check(r.agent.handleOrder(ORDER).ok, 'the order is accepted');
      r.http.pump(4096);
      checkEqual(r.agent.status?.state, 'rebooting', 'after the download');
      check(equalBytes(r.slots.images[1], IMAGE), 'the image is in the other slot');
      r.after(1000);
      checkEqual(r.slots.restarts, 1, 'restarts');
      r.boot();
      checkEqual(r.slots.running().version, '2.0.0', 'running after the restart');
      checkEqual(r.agent.status?.state, 'pending', 'before the backend is reached');
      r.agent.onBackendReached();
      checkEqual(r.agent.status?.state, 'confirmed', 'after');
      r.after(120_000);
      checkEqual(r.slots.restarts, 1, 'no rollback after confirming');
      r.boot();
      checkEqual(r.slots.running().version, '2.0.0', 'still running after the next boot');
      checkEqual(r.agent.status?.state, 'confirmed', 'the outcome survives reboots');
    },
  },
  {
    name: 'ota: a bad signature is refused before any download, and the old image keeps running',
    run: () => {
      const r = rig();
      const result = r.agent.handleOrder({ ...ORDER, signature: ORDER.signature.replace(/^5c/, '5d') });
      check(!result.ok && /does not verify with this meter's firmware key/.test(result.error), `refused: ${JSON.stringify(result)}`);
      checkEqual(r.http.requests.length, 0, 'requests');
      checkEqual(r.agent.status?.state, 'failed', 'status');
      const relabelled = r.agent.handleOrder({ ...ORDER, version: '2.0.1' });
      check(!relabelled.ok, 'the signature covers the version');
      r.boot();
      checkEqual(r.slots.running().version, '1.0.0', 'running');
    },
  },
  {
    name: 'ota: an image whose SHA-256 differs from the signed one is dropped',
    run: () => {
      const r = rig();
      const tampered = IMAGE.slice();
      tampered[100] ^= 1;
      r.http.files.set(URL, tampered);
      check(r.agent.handleOrder(ORDER).ok, 'accepted');
      r.http.pump(4096);
      checkEqual(r.agent.status?.state, 'failed', 'status');
      check(/SHA-256/.test(r.agent.status?.error ?? ''), `error: ${r.agent.status?.error}`);
      checkEqual(r.slots.table.boot, 0, 'the boot slot is unchanged');
    },
  },
  {
    name: 'ota: an image that does not reach the backend in time is rolled back',
    run: () => {
      const r = rig();
      r.agent.handleOrder(ORDER);
      r.http.pump(4096);
      r.after(1000);
      r.boot();
      r.after(59_000);
      checkEqual(r.slots.restarts, 1, 'before the deadline');
      r.after(1_000);
      r.after(1_000);
      checkEqual(r.slots.restarts, 2, 'restarted after the deadline');
      r.boot();
      checkEqual(r.slots.running().version, '1.0.0', 'the old image runs');
      checkEqual(r.agent.status?.state, 'rolled_back', 'status');
      check(/within 60 s/.test(r.agent.status?.error ?? ''), `error: ${r.agent.status?.error}`);
    },
  },
  {
    name: 'ota: a pending image that boots a second time unconfirmed is rolled back at boot',
    run: () => {
      const r = rig();
      r.agent.handleOrder(ORDER);
      r.http.pump(4096);
      r.after(1000);
      r.boot();
      r.boot(); // it crashed before reaching the backend
      checkEqual(r.agent.status?.state, 'rolled_back', 'status');
      r.after(1000);
      r.boot();
      checkEqual(r.slots.running().version, '1.0.0', 'the old image runs');
    },
  },
  {
    name: 'ota: when the bootloader went back to the old image by itself, the status says rolled back',
    run: () => {
      const r = rig();
      r.agent.handleOrder(ORDER);
      r.http.pump(4096);
      r.after(1000);
      rolledBack(r.slots.table); // what the ESP32 bootloader does when a pending image resets
      r.boot();
      checkEqual(r.slots.running().version, '1.0.0', 'the old image runs');
      checkEqual(r.agent.status?.state, 'rolled_back', 'status');
      check(/2\.0\.0 rolled back: it restarted .* 1\.0\.0 booted again/.test(r.agent.status?.error ?? ''), `error: ${r.agent.status?.error}`);
    },
  },
  {
    name: 'ota: a broken connection resumes with a Range request from the byte it stopped at',
    run: () => {
      const r = rig();
      r.http.cutAfter = 50_000;
      r.agent.handleOrder(ORDER);
      r.http.pump(1000);
      checkEqual(r.agent.status?.bytes, 50_000, 'bytes after the cut');
      r.after(1000);
      checkEqual(r.http.requests[1]?.fromByte, 50_000, 'the second request starts there');
      r.http.pump(3000);
      checkEqual(r.agent.status?.state, 'rebooting', 'complete');
      check(equalBytes(r.slots.images[1], IMAGE), 'the image is whole');
    },
  },
  {
    name: 'ota: after a power cut mid-download the meter resumes from the last checkpoint',
    run: () => {
      const r = rig();
      r.agent.handleOrder(ORDER);
      r.http.pump(1000, 150_000);
      r.boot(); // power cut: the agent and the download are gone
      checkEqual(r.http.requests[1]?.fromByte, 132_000, 'resumes at the last checkpoint (every 64 KiB, on a 1000-byte chunk)');
      r.http.pump(5000);
      checkEqual(r.agent.status?.state, 'rebooting', 'complete and verified');
      check(equalBytes(r.slots.images[1], IMAGE), 'the image is whole');
    },
  },
  {
    name: 'ota: slots that cannot keep a partial image start again from byte 0 after a power cut',
    run: () => {
      const r = rig({ canResume: false });
      r.agent.handleOrder(ORDER);
      r.http.pump(1000, 150_000);
      r.boot();
      checkEqual(r.http.requests[1]?.fromByte, 0, 'from the start');
      r.http.pump(5000);
      checkEqual(r.agent.status?.state, 'rebooting', 'complete and verified');
    },
  },
  {
    name: 'ota: without a firmware key every order is unsupported',
    run: () => {
      const slots = new MemorySlots('1.0.0');
      const agent = new OtaAgent({ slots, http: new MemoryHttp(), settings: new MemorySettingsStore(), clock: new ManualClock(0, 0), onStatus: () => undefined });
      agent.start();
      const result = agent.handleOrder(ORDER);
      check(!result.ok && result.code === 'unsupported', JSON.stringify(result));
    },
  },
];

export default tests;
