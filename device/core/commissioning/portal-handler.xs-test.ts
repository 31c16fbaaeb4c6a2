/** The portal's HTTP handler, form validation and the per-circuit setup it saves (portal-handler.ts, setup-form.ts, circuit-setup.ts). */
import { CT_MODELS, ctCalibration, ctModel } from '@dinmeter/shared';
import { check, checkEqual, checkThrows, XsTest } from '../../xs/harness';
import { MemorySettingsStore } from '../relays/testing';
import { saveCircuitSetup } from './circuit-setup';
import { Commissioning } from './commissioning';
import { CAPTIVE_PROBE_PATHS, PortalHandler, PortalRequest } from './portal-handler';
import { escapeHtml } from './portal-pages';
import { parseSetupForm, parseUrlEncoded } from './setup-form';
import { MemoryCommissioningStore, MemoryHttpClient, MemoryPortalNetwork } from './testing';

const HOST = '192.168.4.1';
const CONTEXT = { ctModels: CT_MODELS, ethernet: false };

function portal() {
  const network = new MemoryPortalNetwork();
  const store = new MemoryCommissioningStore();
  const commissioning = new Commissioning({ network, http: new MemoryHttpClient(), store, deviceId: 'dm-1', firmware: 't', onCommissioned: () => undefined });
  commissioning.start();
  const handler = new PortalHandler({ commissioning, context: CONTEXT, deviceId: 'dm-1', portalHost: HOST });
  return { handler, network, commissioning };
}

const get = (path: string, host = HOST): PortalRequest => ({ method: 'GET', path, headers: { host } });
const post = (body: string, type = 'application/x-www-form-urlencoded'): PortalRequest => ({ method: 'POST', path: '/', headers: { host: HOST, 'content-type': type }, body });
const encode = (fields: Record<string, string>) => Object.entries(fields).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
const GOOD = { network: 'wifi', ssid: 'plant room', wifi_password: 'correct horse', backend: 'http://192.168.1.20:3000/', code: 'abcd-efgh', c3_label: 'Kitchen', c3_ct: 'SCT-013-030', c3_relay: 'yes', c3_power_on: 'off', c3_failsafe: 'off', c3_failsafe_s: '300' };

const tests: XsTest[] = [
  {
    name: 'portal: the form has a labelled control for every field, Wi-Fi to circuit 10',
    run() {
      const page = portal().handler.handle(get('/'));
      checkEqual(page.status, 200);
      check(page.headers['content-type'].startsWith('text/html'), 'html');
      for (const id of ['ssid', 'wifi_password', 'backend', 'code', 'c1_label', 'c10_ct', 'c10_relay', 'c10_power_on', 'c10_failsafe', 'c10_failsafe_s'])
        check(page.body.includes(`for="${id}"`) && page.body.includes(`id="${id}"`), `label and control for ${id}`);
      check(page.body.includes('name="viewport"'), 'phone-sized');
      check(page.body.includes('SCT-013-000 100 A : 50 mA'), 'CT list');
      check(!page.body.includes('value="ethernet"'), 'no Ethernet choice without the option');
    },
  },
  {
    name: 'portal: captive probes and foreign hosts are redirected to the form',
    run() {
      const { handler } = portal();
      for (const path of CAPTIVE_PROBE_PATHS) {
        const r = handler.handle(get(path));
        checkEqual(r.status, 302, path);
        checkEqual(r.headers.location, `http://${HOST}/`, path);
      }
      checkEqual(handler.handle(get('/generate_204', 'connectivitycheck.gstatic.com')).status, 302);
      checkEqual(handler.handle(get('/anything', 'www.msftconnecttest.com')).headers.location, `http://${HOST}/`);
      checkEqual(handler.handle(get('/nope')).status, 404);
      checkEqual(handler.handle({ method: 'DELETE', path: '/', headers: { host: HOST } }).status, 405);
    },
  },
  {
    name: 'portal: a valid form starts commissioning and redirects to the status page',
    run() {
      const { handler, network, commissioning } = portal();
      const r = handler.handle(post(encode(GOOD)));
      checkEqual(r.status, 303);
      checkEqual(r.headers.location, '/status');
      checkEqual(commissioning.status.phase, 'joining');
      const joined = network.joins[0];
      check(joined.kind === 'wifi' && joined.ssid === 'plant room' && joined.password === 'correct horse', JSON.stringify(joined));
      checkEqual(handler.handle(get('/')).status, 303, 'form redirects to the status while busy');
      const status = handler.handle(get('/status'));
      check(status.body.includes('Joining the network') && status.body.includes('http-equiv="refresh"'), 'status page refreshes');
      checkEqual(JSON.parse(handler.handle(get('/status.json')).body).phase, 'joining');
    },
  },
  {
    name: 'portal: bad input gets every error, marked on its field, and changes nothing',
    run() {
      const { handler, network, commissioning } = portal();
      const bad = { ...GOOD, ssid: 'x'.repeat(33), wifi_password: 'short', backend: 'ftp://host', code: '12', c3_ct: 'nope', c3_failsafe_s: '2', c5_power_on: 'maybe', c9_label: '<script>'.repeat(9) };
      const r = handler.handle(post(encode(bad)));
      checkEqual(r.status, 400);
      for (const field of ['ssid', 'wifi_password', 'backend', 'code', 'c3_ct', 'c3_failsafe_s', 'c5_power_on', 'c9_label'])
        check(r.body.includes(`id="${field}-err"`) && r.body.includes(`href="#${field}"`), `error for ${field}`);
      check(r.body.includes('aria-invalid="true"'), 'fields marked');
      check(r.body.includes('8 fields need attention'), 'summary count');
      check(!r.body.includes('<script>'), 'echoed values are escaped');
      check(!r.body.includes('short'), 'the password is not echoed');
      check(r.body.includes('value="plant room"') || r.body.includes(escapeHtml(bad.ssid)), 'other values kept');
      checkEqual(commissioning.status.phase, 'portal');
      checkEqual(network.joins.length, 0, 'nothing joined');
      checkEqual(handler.handle(post(encode(GOOD), 'text/plain')).status, 415);
      checkEqual(handler.handle(post('a=%E0%A4%A')).status, 400, 'malformed escape');
      checkEqual(handler.handle(post('x'.repeat(9000))).status, 413);
      checkEqual(network.joins.length, 0, 'still nothing joined');
    },
  },
  {
    name: 'setup form: defaults, Ethernet only when fitted, WPA2 lengths, claim code shapes',
    run() {
      const parsed = parseSetupForm(parseUrlEncoded(encode(GOOD)), CONTEXT);
      check(parsed.ok, parsed.ok ? '' : JSON.stringify(parsed.errors));
      if (!parsed.ok) return;
      checkEqual(parsed.setup.backendUrl, 'http://192.168.1.20:3000', 'trailing slash dropped');
      checkEqual(parsed.setup.circuits.length, 10);
      const c1 = parsed.setup.circuits[0];
      check(c1.ctModel === 'SCT-013-000' && !c1.relayFitted && c1.powerOnState === 'restore' && c1.failsafe.mode === 'hold' && c1.failsafe.afterSeconds === 120, JSON.stringify(c1));
      const c3 = parsed.setup.circuits[2];
      check(c3.label === 'Kitchen' && c3.relayFitted && c3.powerOnState === 'off' && c3.failsafe.afterSeconds === 300, JSON.stringify(c3));
      const eth = parseSetupForm({ ...GOOD, network: 'ethernet' }, CONTEXT);
      check(!eth.ok && /no Ethernet/.test(eth.errors.network), 'Ethernet refused without the option');
      const ethOk = parseSetupForm({ ...GOOD, network: 'ethernet', ssid: '' }, { ...CONTEXT, ethernet: true });
      check(ethOk.ok && ethOk.setup.network.kind === 'ethernet', 'Ethernet with the option needs no SSID');
      check(parseSetupForm({ ...GOOD, wifi_password: '' }, CONTEXT).ok, 'open network');
      check(parseSetupForm({ ...GOOD, wifi_password: 'ab'.repeat(32) }, CONTEXT).ok, '64 hex digits');
      check(!parseSetupForm({ ...GOOD, wifi_password: 'x'.repeat(64) }, CONTEXT).ok, '64 characters that are not hex');
      check(parseSetupForm({ ...GOOD, code: 'abcdefgh' }, CONTEXT).ok, 'code without dash');
      check(!parseSetupForm({ ...GOOD, backend: 'http://user:pw@host' }, CONTEXT).ok, 'no credentials in the URL');
      checkThrows(() => parseUrlEncoded('%zz=1'), /malformed form field/);
      checkEqual(parseUrlEncoded('a=b+c&d=%C3%A4')['d'], 'ä');
    },
  },
  {
    name: 'circuit setup: relay config, CT calibration and fitted relays land where the core reads them',
    run() {
      const parsed = parseSetupForm(parseUrlEncoded(encode({ ...GOOD, c4_ct: 'SCT-013-100' })), CONTEXT);
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
      const settings = new MemorySettingsStore();
      settings.set('rl.cfg.3', JSON.stringify({ overcurrentA: 16 }));
      settings.set('cal.3', JSON.stringify({ ugain: 26000 }));
      saveCircuitSetup(settings, parsed.setup.circuits);
      const c3 = JSON.parse(settings.get('rl.cfg.3') ?? '{}');
      check(c3.label === 'Kitchen' && c3.powerOnState === 'off' && c3.failsafe.mode === 'off' && c3.overcurrentA === 16, JSON.stringify(c3));
      const c1 = JSON.parse(settings.get('rl.cfg.1') ?? '{}');
      check(c1.powerOnState === 'on' && c1.failsafe.mode === 'hold', `no relay: reported on, held (${JSON.stringify(c1)})`);
      const cal3 = JSON.parse(settings.get('cal.3') ?? '{}');
      // The shared table's calibration, the one the web app sends for the same CT.
      const sct030 = ctCalibration(ctModel('SCT-013-030')!);
      check(cal3.ugain === 26000 && cal3.igainL === sct030.igainL && cal3.plconst === sct030.plconst && cal3.ctRatio === 1, `SCT-013-030, unit calibration kept: ${JSON.stringify(cal3)}`);
      checkEqual(JSON.parse(settings.get('cal.1') ?? '{}').igainL, 0x7a13, 'SCT-013-000 is the nominal CT: the power-on IgainL');
      checkEqual(JSON.parse(settings.get('cal.4') ?? '{}').igainL, ctCalibration(ctModel('SCT-013-100')!).igainL, 'the circuit 4 choice');
      check(sct030.igainL !== 0x7a13, 'a voltage-output CT needs another gain');
      check(c1.relayFitted === false && c3.relayFitted === true, 'relay fitted or not: the config op\'s relayFitted');
      const before = settings.get('rl.cfg.2');
      checkThrows(() => saveCircuitSetup(settings, parsed.setup.circuits.map((c) => (c.circuit === 2 ? { ...c, ctModel: 'x' } : c))), /circuit 2: unknown CT model/);
      checkEqual(settings.get('rl.cfg.2'), before, 'nothing written on a refused setup');
    },
  },
];

export default tests;
