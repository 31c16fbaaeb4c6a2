/**
 * The installer's ten minutes against the virtual meter's portal (docs/setup-portal.md): a meter
 * out of the box serves the setup form; the form is filled over plain HTTP as a phone would send
 * it; the meter redeems the claim code at the real backend, stores its credentials and circuit
 * setup, and joins the backend over MQTT (its telemetry arrives). Bad input and a wrong code
 * change nothing. Real influxd and backend (SimulatedRig); the meter is `npm run meter:portal`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedProcess } from '../rig/managed-process';
import { eventually, SimulatedRig } from '../rig';

jest.setTimeout(240_000);

const ID = 'vm-portal';

describe('commissioning portal: a new meter joins the backend through its setup form', () => {
  const rig = new SimulatedRig();
  const meterDir = join(rig.dir, 'portal-meter');
  const meter = new ManagedProcess('portal-meter', 'device/platform/host/portal-meter.ts', join(rig.dir, 'portal-meter.log'));
  let portal = '';
  const backendBase = () => rig.restUrl.replace(/\/api$/, '');
  const settings = () => {
    try {
      return JSON.parse(readFileSync(join(meterDir, 'settings.json'), 'utf8')) as Record<string, string>;
    } catch {
      return {};
    }
  };
  const submit = (fields: Record<string, string>) =>
    fetch(`${portal}/`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
  const status = async () => (await (await fetch(`${portal}/status.json`)).json()) as { phase: string; error?: string; deviceId?: string };
  const form = (code: string) => ({ network: 'wifi', ssid: 'workshop', wifi_password: 'correct horse', backend: backendBase(), code, c3_label: 'Kitchen', c3_relay: 'yes', c3_power_on: 'off', c3_failsafe: 'off', c3_failsafe_s: '300' });

  beforeAll(async () => {
    await rig.start();
    const ready = await meter.start(['--data-dir', meterDir, '--port', '0', '--id', ID, '--interval', '1'], {}, /portal: (http:\/\/\S+)\//);
    portal = ready[1];
  });

  afterAll(async () => {
    await meter.stop();
    await rig.stop();
  });

  it('should serve the form and send captive-portal probes to it', async () => {
    const page = await fetch(`${portal}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`Set up meter ${ID}`);
    expect(html).toContain('<label for="c10_ct">');
    const probe = await fetch(`${portal}/hotspot-detect.html`, { redirect: 'manual' });
    expect(probe.status).toBe(302);
    expect(probe.headers.get('location')).toBe(`${portal}/`);
  });

  it('should refuse bad input and a wrong claim code without storing anything', async () => {
    const bad = await submit({ ...form('12'), backend: 'ftp://nowhere', c3_failsafe_s: '1' });
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain('3 fields need attention');
    expect((await status()).phase).toBe('portal');

    const wrong = await submit(form('ZZZZ-ZZZZ'));
    expect(wrong.status).toBe(303);
    const refused = await eventually(async () => {
      const s = await status();
      return s.phase === 'portal' && s.error ? s : undefined;
    }, 30_000, 'the claim refused');
    expect(refused.error).toMatch(/refused the claim code/);
    expect(settings().mqttUser).toBeUndefined();
  });

  it('should redeem the claim code, store the setup and send telemetry to the backend', async () => {
    const created = await rig.rest<{ code: string }>('POST', '/claims', { label: 'portal test' });
    expect(created.status).toBe(201);

    const accepted = await submit(form(created.body.code.toLowerCase()));
    expect(accepted.status).toBe(303);
    expect(accepted.headers.get('location')).toBe('/status');
    const done = await eventually(async () => {
      const s = await status();
      if (s.phase === 'portal' && s.error) throw new Error(s.error);
      return s.phase === 'done' ? s : undefined;
    }, 30_000, 'commissioning done');
    expect(done.deviceId).toBe(ID);

    const saved = settings();
    expect(saved.mqttUser).toBeTruthy();
    expect(saved.commandKey).toMatch(/^[0-9a-f]{64}$/);
    expect(saved.wifiSsid).toBe('workshop');
    expect(JSON.parse(saved['rl.cfg.3'])).toMatchObject({ label: 'Kitchen', powerOnState: 'off', failsafe: { mode: 'off', afterSeconds: 300 } });

    const device = await eventually(async () => {
      const { body } = await rig.rest<{ id: string; online: boolean; lastTelemetrySeq?: number }[]>('GET', '/devices');
      return body.find((d) => d.id === ID && d.online && (d.lastTelemetrySeq ?? 0) >= 2);
    }, 60_000, 'telemetry of the commissioned meter');
    expect(device.online).toBe(true);
    const rows = await rig.influxQuery(`SELECT "power_w" FROM "circuit" WHERE "device" = '${ID}'`);
    expect(rows.length).toBeGreaterThanOrEqual(10);
  });

  it('should start as commissioned after a restart, without the form', async () => {
    await meter.stop();
    portal = (await meter.start(['--data-dir', meterDir, '--port', '0', '--id', ID, '--interval', '1'], {}, /portal: (http:\/\/\S+)\//))[1];
    await meter.waitFor(/meter vm-portal commissioned/, 30_000);
    const s = await status();
    expect(s.phase).toBe('operating');
  });
});
