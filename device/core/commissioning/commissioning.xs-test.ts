/** The commissioning state machine, the claim answer and the setup button (commissioning.ts, claim.ts, setup-button.ts). */
import { check, checkEqual, XsTest } from '../../xs/harness';
import { readClaimResult } from './claim';
import { Commissioning } from './commissioning';
import type { ClaimedCredentials } from './commissioning.ports';
import { CIRCUIT_DEFAULTS, MeterSetup } from './setup-form';
import { LONG_PRESS_MS, SetupButton } from './setup-button';
import { CLAIM_ANSWER, MemoryCommissioningStore, MemoryHttpClient, MemoryPortalNetwork } from './testing';

const SETUP: MeterSetup = {
  network: { kind: 'wifi', ssid: 'plant-room', password: 'correct horse' },
  backendUrl: 'http://192.168.1.20:3000',
  claimCode: 'ABCD-EFGH',
  circuits: Array.from({ length: 10 }, (_, k) => ({
    circuit: k + 1,
    ctModel: 'SCT-013-000',
    relayFitted: true,
    powerOnState: CIRCUIT_DEFAULTS.powerOnState,
    failsafe: { mode: CIRCUIT_DEFAULTS.failsafe, afterSeconds: CIRCUIT_DEFAULTS.failsafeS },
  })),
};

function rig(commissioned = false) {
  const network = new MemoryPortalNetwork();
  const http = new MemoryHttpClient();
  const store = new MemoryCommissioningStore(commissioned);
  const commissionedWith: ClaimedCredentials[] = [];
  const phases: string[] = [];
  const commissioning = new Commissioning({
    network,
    http,
    store,
    deviceId: 'dm-a4cf120b3c7d',
    firmware: 'test 1',
    onCommissioned: (c) => commissionedWith.push(c),
    onChange: (s) => phases.push(s.phase),
  });
  return { network, http, store, commissioning, commissionedWith, phases };
}

const ok = (body: unknown = CLAIM_ANSWER) => ({ status: 201, body: JSON.stringify(body) });

const tests: XsTest[] = [
  {
    name: 'commissioning: first boot without configuration opens the portal; a commissioned meter operates',
    run() {
      const fresh = rig();
      checkEqual(fresh.commissioning.start(), 'portal');
      check(fresh.network.portalOpen, 'AP and portal open');
      const done = rig(true);
      checkEqual(done.commissioning.start(), 'operating');
      check(!done.network.portalOpen, 'no AP on a commissioned meter');
    },
  },
  {
    name: 'commissioning: submit → join → claim → saved → onCommissioned, in that order',
    run() {
      const r = rig();
      r.commissioning.start();
      checkEqual(r.commissioning.submit(SETUP), undefined);
      checkEqual(r.commissioning.status.phase, 'joining');
      checkEqual(r.network.joins[0].kind, 'wifi');
      checkEqual(r.http.requests.length, 0, 'no claim before the network is up');
      r.network.settleJoin();
      checkEqual(r.commissioning.status.phase, 'claiming');
      checkEqual(r.http.requests[0].url, 'http://192.168.1.20:3000/api/claim');
      const sent = JSON.parse(r.http.requests[0].body);
      checkEqual(sent.code, 'ABCD-EFGH');
      checkEqual(sent.device_id, 'dm-a4cf120b3c7d');
      checkEqual(sent.hardware.firmware, 'test 1');
      r.http.answer(ok());
      checkEqual(r.commissioning.status.phase, 'done');
      checkEqual(r.store.saved?.credentials.commandKey, CLAIM_ANSWER.command_key);
      checkEqual(r.store.saved?.credentials.mqttUrl, CLAIM_ANSWER.mqtt_url);
      checkEqual(r.commissionedWith.length, 1);
      checkEqual(r.phases.join(','), 'portal,joining,claiming,done');
    },
  },
  {
    name: 'commissioning: a failed join or a refused claim returns to the portal with the reason and saves nothing',
    run() {
      const r = rig();
      r.commissioning.start();
      r.commissioning.submit(SETUP);
      r.network.settleJoin('wrong password');
      checkEqual(r.commissioning.status.phase, 'portal');
      check(/wrong password/.test(r.commissioning.status.error ?? ''), r.commissioning.status.error ?? '');
      checkEqual(r.http.requests.length, 0);

      r.commissioning.submit(SETUP);
      r.network.settleJoin();
      r.http.answer({ status: 403, body: JSON.stringify({ statusCode: 403, message: 'claim code unknown, expired or used' }) });
      checkEqual(r.commissioning.status.phase, 'portal');
      check(/refused the claim code: claim code unknown/.test(r.commissioning.status.error ?? ''), r.commissioning.status.error ?? '');
      checkEqual(r.store.saved, undefined, 'nothing saved');
      checkEqual(r.commissionedWith.length, 0);

      r.commissioning.submit(SETUP);
      r.network.settleJoin();
      r.http.answer({ error: 'ECONNREFUSED' });
      check(/did not answer \(ECONNREFUSED\)/.test(r.commissioning.status.error ?? ''), 'unreachable backend');
    },
  },
  {
    name: 'commissioning: a second submission while busy is refused and changes nothing',
    run() {
      const r = rig();
      r.commissioning.start();
      r.commissioning.submit(SETUP);
      check(/still working/.test(r.commissioning.submit(SETUP) ?? ''), 'busy');
      checkEqual(r.network.joins.length, 1);
      const operating = rig(true);
      operating.commissioning.start();
      check(/not in setup mode/.test(operating.commissioning.submit(SETUP) ?? ''), 'not in portal mode');
      checkEqual(operating.network.joins.length, 0);
    },
  },
  {
    name: 'commissioning: a storage failure after the claim reports it and stays in the portal',
    run() {
      const r = rig();
      r.store.failWith = 'NVS full';
      r.commissioning.start();
      r.commissioning.submit(SETUP);
      r.network.settleJoin();
      r.http.answer(ok());
      checkEqual(r.commissioning.status.phase, 'portal');
      check(/NVS full.*new claim code/.test(r.commissioning.status.error ?? ''), r.commissioning.status.error ?? '');
      checkEqual(r.commissionedWith.length, 0);
    },
  },
  {
    name: 'commissioning: the setup button reopens the portal on an operating meter, not while busy; a repeated callback changes nothing',
    run() {
      const r = rig(true);
      r.commissioning.start();
      r.commissioning.requestPortal();
      checkEqual(r.commissioning.status.phase, 'portal');
      check(r.network.portalOpen, 'portal open again');
      r.commissioning.submit(SETUP);
      r.commissioning.requestPortal(); // ignored while busy
      checkEqual(r.commissioning.status.phase, 'joining');
      r.network.settleJoin();
      r.http.answer(ok());
      checkEqual(r.commissioning.status.phase, 'done');
      let again: ((error: string | undefined) => void) | undefined;
      r.network.join = (_n, done) => (again = done);
      r.commissioning.requestPortal();
      r.commissioning.submit(SETUP);
      again?.(undefined);
      again?.('late failure');
      checkEqual(r.commissioning.status.phase, 'claiming', 'second callback ignored');
    },
  },
  {
    name: 'claim answer: every field is checked before anything is used',
    run() {
      const id = 'dm-a4cf120b3c7d';
      const url = 'http://b:3000';
      const good = readClaimResult(ok(), url, id);
      check(good.ok && good.credentials.deviceId === id, 'good answer');
      const assigned = readClaimResult(ok({ ...CLAIM_ANSWER, id: 'kitchen-1' }), url, id);
      check(assigned.ok && assigned.credentials.deviceId === 'kitchen-1', 'the backend may assign the id');
      const bad = readClaimResult(ok({ ...CLAIM_ANSWER, mqtt_url: 'http://x', command_key: 'abc', password: '' }), url, id);
      check(!bad.ok && /mqtt_url/.test(bad.error) && /command_key/.test(bad.error) && /password/.test(bad.error), bad.ok ? 'accepted' : bad.error);
      const notJson = readClaimResult({ status: 200, body: '<html>' }, url, id);
      check(!notJson.ok && /not JSON/.test(notJson.error), 'not JSON');
      const limited = readClaimResult({ status: 429, body: '{}' }, url, id);
      check(!limited.ok && /Too many/.test(limited.error), 'rate limited');
      const notBackend = readClaimResult({ status: 404, body: 'Cannot POST' }, url, id);
      check(!notBackend.ok && /not a dinmeter backend/.test(notBackend.error), 'not a backend');
    },
  },
  {
    name: 'setup button: fires once after 5 s held; shorter presses and releases do nothing',
    run() {
      const button = new SetupButton();
      check(!button.update(true, 0), 'pressed');
      check(!button.update(true, LONG_PRESS_MS - 1), 'just short');
      check(button.update(true, LONG_PRESS_MS), 'held 5 s');
      check(!button.update(true, LONG_PRESS_MS * 3), 'once per press');
      check(!button.update(false, LONG_PRESS_MS * 3 + 1), 'released');
      check(!button.update(true, 100_000), 'pressed again');
      check(!button.update(false, 103_000), 'released after 3 s');
      check(!button.update(true, 104_000), 'new press');
      check(button.update(true, 104_000 + LONG_PRESS_MS), 'new long press fires');
    },
  },
];

export default tests;
