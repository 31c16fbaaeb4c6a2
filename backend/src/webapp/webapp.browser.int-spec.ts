/**
 * The commissioning web app end to end in headless Chromium (Debian's /usr/bin/chromium driven by
 * puppeteer-core; no browser download), against the real backend process, influxd and virtual meters
 * of the simulated HIL rig: add a meter by claim code, watch live values change, flip a reversed CT,
 * test a relay. Each test saves a screenshot under .artifacts/screenshots/ (git-ignored).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { Browser, Page } from 'puppeteer-core';
import { CREDENTIAL_SETTINGS, settingsPath } from '../../../device/platform/host/meter-provisioning';
import { FileSettingsStore } from '../../../device/platform/host/file-settings';
import { eventually } from '../../../hil-tests/rig';
import { SimulatedRig } from '../../../hil-tests/rig/simulated-rig';

jest.setTimeout(240_000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = join(__dirname, '..', '..', '..', '.artifacts', 'screenshots');
const LOADED_CIRCUIT = 3;

describe('commissioning web app in Chromium', () => {
  const rig = new SimulatedRig();
  let browser: Browser;
  let page: Page;
  const origin = () => new URL(rig.restUrl).origin;
  const card = (circuit: number) => `li.circuit[data-circuit="${circuit}"]`;
  const text = (selector: string) => page.$eval(selector, (e) => e.textContent ?? '');
  const screenshot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  /** Waits until the element's text matches (functions run in the page, whose types this Node project does not load). */
  const waitText = (selector: string, pattern: RegExp, timeout = 30_000) =>
    page.waitForFunction(`${pattern}.test(document.querySelector(${JSON.stringify(selector)})?.textContent ?? '')`, { timeout });
  /** The circuit's value as the page shows it ("5.00 A" → 5). */
  const shown = async (circuit: number, field: string) => Number.parseFloat(await text(`${card(circuit)} dd[data-field="${field}"]`));

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`the browser tests need Chromium at ${CHROMIUM} (Debian: apt-get install chromium; .ci/run installs it), or CHROMIUM_PATH`);
    }
    mkdirSync(SCREENSHOTS, { recursive: true });
    await rig.start();
    await rig.startMeters({ count: 1, intervalS: 1, ids: ['vm-1'] });
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    page = await browser.newPage();
    await page.setViewport({ width: 390, height: 844, isMobile: true }); // a phone in a fuse-box corner
    page.on('pageerror', (error) => process.stderr.write(`page error: ${error}\n`));
  });

  afterAll(async () => {
    await browser?.close();
    await rig.stop();
  });

  it('should refuse a wrong token, then log in with the admin token and list the meters', async () => {
    await page.goto(`${origin()}/`);
    await page.waitForSelector('#token');
    await page.type('#token', 'not-a-token');
    await page.click('button[type=submit]');
    await waitText('#login-error', /not valid/);
    await page.$eval('#token', (e: any) => (e.value = ''));
    await page.type('#token', rig.adminToken);
    await page.click('button[type=submit]');
    await page.waitForSelector('tr[data-device="vm-1"]');
    expect(await page.evaluate('document.activeElement.tagName')).toBe('H1');
    await screenshot('1-meters');
  });

  it('should add a meter by claim code: the code and its QR, redeemed once by the meter, which then reports', async () => {
    await page.goto(`${origin()}/#/add`);
    await page.waitForSelector('#device-id');
    await page.type('#device-id', 'claimed-1');
    await page.click('form button[type=submit]');
    await page.waitForSelector('#claim-code');
    const code = await text('#claim-code');
    expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(await page.$eval('img.qr', (img: any) => img.naturalWidth)).toBeGreaterThan(50);
    await screenshot('2-claim-code');

    // The meter's setup portal redeems the code on the meter's behalf (docs/commissioning.md).
    const redeem = () => fetch(`${rig.restUrl}/claim`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, hardware: { model: 'dinmeter-10', serial: 'SIM-0001' } }) });
    const first = await redeem();
    expect(first.status).toBe(201);
    const credential = (await first.json()) as { username: string; password: string; command_key: string };
    expect(credential).toMatchObject({ id: 'claimed-1', username: 'claimed-1' });
    expect((await redeem()).status).toBe(403);
    const settings = new FileSettingsStore(settingsPath(join(rig.dir, 'meters', 'claimed-1')));
    settings.set(CREDENTIAL_SETTINGS.username, credential.username);
    settings.set(CREDENTIAL_SETTINGS.password, credential.password);
    settings.set(CREDENTIAL_SETTINGS.commandKey, credential.command_key);
    await rig.stopMeters();
    await rig.startMeters({ count: 2, intervalS: 1, ids: ['vm-1', 'claimed-1'] });

    await page.waitForSelector('p.claimed a', { timeout: 30_000 });
    await page.click('p.claimed a');
    await waitText('#connection', /^meter online$/, 60_000);
    await screenshot('3-claimed-meter-live');
  });

  it('should show live values change as the load changes', async () => {
    await page.goto(`${origin()}/#/meter/vm-1`);
    await page.waitForSelector(card(LOADED_CIRCUIT));
    await rig.instruments.applyLoad(LOADED_CIRCUIT, { currentA: 5, pf: 1, lagging: true });
    await eventually(async () => Math.abs((await shown(LOADED_CIRCUIT, 'current_a')) - 5) < 0.1, 30_000, 'about 5 A shown');
    expect(await shown(LOADED_CIRCUIT, 'power_w')).toBeGreaterThan(1000);
    await rig.instruments.applyLoad(LOADED_CIRCUIT, { currentA: 2, pf: 1, lagging: true });
    await eventually(async () => Math.abs((await shown(LOADED_CIRCUIT, 'current_a')) - 2) < 0.1, 30_000, 'about 2 A shown');
    expect(await shown(LOADED_CIRCUIT, 'voltage_v')).toBeGreaterThan(200);
    await screenshot('4-live-values');
  });

  it('should flag a reversed CT and fix it with one click, confirmed by the meter', async () => {
    await rig.instruments.applyLoad(LOADED_CIRCUIT, { currentA: 5, pf: 1, lagging: true });
    // A CT clamped the wrong way round reads like this calibration: import shows as negative power.
    const reversed = await rig.rest('POST', `/devices/vm-1/circuits/${LOADED_CIRCUIT}/calibrate`, { ctReversed: true });
    expect(reversed.status).toBe(202);
    await page.waitForSelector(`${card(LOADED_CIRCUIT)} [data-flag="ct-reversed?"]`, { timeout: 30_000 });
    expect(await shown(LOADED_CIRCUIT, 'power_w')).toBeLessThan(-1000);
    await screenshot('5-ct-reversed');

    const flip = `${card(LOADED_CIRCUIT)} .actions button.primary`;
    await page.focus(flip);
    await page.keyboard.press('Enter');
    await waitText(`${card(LOADED_CIRCUIT)} .status`, /confirmed by the meter/, 60_000);
    await eventually(async () => (await shown(LOADED_CIRCUIT, 'power_w')) > 1000, 30_000, 'positive power after the flip');
    expect(await page.$(`${card(LOADED_CIRCUIT)} [data-flag="ct-reversed?"]`)).toBeNull();
    await screenshot('6-ct-flipped');
  });

  it('should test a relay: off, the current drops, back on', async () => {
    await rig.instruments.applyLoad(LOADED_CIRCUIT, { currentA: 5, pf: 1, lagging: true });
    await eventually(async () => (await shown(LOADED_CIRCUIT, 'current_a')) > 4.5, 30_000, 'load on');
    const button = await page.waitForSelector(`::-p-xpath(//li[@data-circuit="${LOADED_CIRCUIT}"]//button[text()="Relay test"])`);
    await button!.click();
    await waitText(`${card(LOADED_CIRCUIT)} .status`, /Relay test( passed)?:/, 120_000);
    expect(await text(`${card(LOADED_CIRCUIT)} .status`)).toMatch(/^Relay test passed: 5\.\d\d A → 0\.\d\d A with the relay off, switched back on\.$/);
    await eventually(async () => (await shown(LOADED_CIRCUIT, 'current_a')) > 4.5, 30_000, 'load back after the relay test');
    await screenshot('7-relay-test');
  });
});
