/**
 * Firmware updates from the web app in headless Chromium (Debian's /usr/bin/chromium driven by
 * puppeteer-core), against the real backend process and a virtual meter in this process on file slots
 * (as hil-tests/scenarios/ota.int-spec.ts): upload a signed image on the firmware page, start the
 * update on the meter's page and watch it reach "confirmed" with the new version installed.
 * Screenshots under .artifacts/screenshots/ (git-ignored).
 */
import { fromHex } from '@dinmeter/shared';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { Browser, Page } from 'puppeteer-core';
import { HttpRangePort } from '../../../device/core/ota/ota.ports';
import { HostClock } from '../../../device/platform/host/host-clock';
import { hostImage } from '../../../device/platform/host/host-image';
import { provisionVirtualMeters } from '../../../device/platform/host/meter-provisioning';
import { nodeHttpRange } from '../../../device/platform/host/node-http-range';
import { FIRMWARE_VERSION, VirtualMeter } from '../../../device/platform/host/virtual-meter';
import { SimulatedRig } from '../../../hil-tests/rig/simulated-rig';
import { firmwarePrivateKey, generateFirmwareKeyPair, signFirmwareManifest } from '../firmware/firmware-keys';

jest.setTimeout(240_000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = join(__dirname, '..', '..', '..', '.artifacts', 'screenshots');
const ID = 'ota-web-1';
const IMAGE_PADDING_BYTES = 300_000;
/** The meter's download is held once it has this many bytes, so the page shows progress midway. */
const HOLD_AFTER_BYTES = 140_000;

describe('firmware updates in the web app, in Chromium', () => {
  const keys = generateFirmwareKeyPair();
  const rig = new SimulatedRig({ backendEnv: { FIRMWARE_PUBLIC_KEY: keys.publicKeyHex } });
  let browser: Browser;
  let page: Page;
  let meter: VirtualMeter | undefined;
  /** Handler calls held back after HOLD_AFTER_BYTES; `release()` replays them and lets the rest through. */
  let held: (() => void)[] | undefined;
  const release = () => {
    const calls = held ?? [];
    held = undefined;
    calls.forEach((call) => call());
  };
  const heldHttp: HttpRangePort = {
    get(url, fromByte, handlers) {
      let received = fromByte;
      const later = (call: () => void) => (held ? held.push(call) : call());
      return nodeHttpRange.get(url, fromByte, {
        onData: (chunk) => {
          later(() => handlers.onData(chunk));
          received += chunk.length;
          if (received >= HOLD_AFTER_BYTES && received < HOLD_AFTER_BYTES + chunk.length) held ??= [];
        },
        onEnd: () => later(() => handlers.onEnd()),
        onError: (message) => later(() => handlers.onError(message)),
      });
    },
  };
  const origin = () => new URL(rig.restUrl).origin;
  const text = (selector: string) => page.$eval(selector, (e) => e.textContent ?? '');
  const screenshot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  const waitText = (selector: string, pattern: RegExp, timeout = 30_000) =>
    page.waitForFunction(`${pattern}.test(document.querySelector(${JSON.stringify(selector)})?.textContent ?? '')`, { timeout });
  const typeInto = async (selector: string, value: string) => {
    await page.$eval(selector, (e) => ((e as unknown as { value: string }).value = ''));
    await page.type(selector, value);
  };
  /** Puts a file into the page's file input (the DOM types are not loaded in this Node project). */
  const chooseFile = async (path: string) => {
    const input = await page.$('#fw-image');
    await (input as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(path);
  };
  /** A signed image written to disk for the file input, and its signature. */
  const imageFile = (version: string, paddingBytes: number) => {
    const image = hostImage({ network: true }, paddingBytes);
    const sha256 = createHash('sha256').update(image).digest('hex');
    const path = join(rig.dir, `image-${version}.bin`);
    writeFileSync(path, image);
    return { path, signature: signFirmwareManifest({ version, sizeBytes: image.length, sha256 }, firmwarePrivateKey(keys.privateKeyPem)) };
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`the browser tests need Chromium at ${CHROMIUM} (Debian: apt-get install chromium; .ci/run installs it), or CHROMIUM_PATH`);
    }
    mkdirSync(SCREENSHOTS, { recursive: true });
    await rig.start();
    const meterDir = join(rig.dir, 'meters', ID);
    mkdirSync(meterDir, { recursive: true });
    const login = (await provisionVirtualMeters(rig.backendDataDir, [{ id: ID, dir: meterDir }])).get(ID)!;
    const boot = () => {
      meter = new VirtualMeter({
        deviceId: ID,
        dataDir: meterDir,
        mqttUrl: rig.mqttUrl,
        mqttLogin: { username: login.username, password: login.password },
        commandKey: login.commandKey,
        intervalS: 1,
        clock: new HostClock(),
        seed: 11,
        firmwareKey: fromHex(keys.publicKeyHex),
        otaHttp: heldHttp,
        onRestart: () => setImmediate(boot), // the new image boots from its slot
      });
      meter.start();
    };
    boot();
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    page = await browser.newPage();
    await page.setViewport({ width: 390, height: 844, isMobile: true });
    page.on('pageerror', (error) => process.stderr.write(`page error: ${error}\n`));
    await page.goto(`${origin()}/`);
    await page.waitForSelector('#token');
    await page.type('#token', rig.adminToken);
    await page.click('button[type=submit]');
    await page.waitForSelector(`tr[data-device="${ID}"]`, { timeout: 60_000 });
  });

  afterAll(async () => {
    await browser?.close();
    await meter?.stop(0);
    await rig.stop();
  });

  it('should refuse an image whose signature does not verify with a clear error, and list nothing', async () => {
    await page.goto(`${origin()}/#/firmware`);
    await page.waitForSelector('#firmware-upload');
    const { path } = imageFile('9.9.9', 1000);
    await chooseFile(path);
    await typeInto('#fw-version', '9.9.9');
    await typeInto('#fw-signature', 'ab'.repeat(64));
    await page.click('#firmware-upload button[type=submit]');
    await waitText('#upload-error', /signature does not verify/);
    expect(await text('#firmware-images tbody')).toMatch(/No images uploaded yet/);
  });

  it('should upload a signed image and list it', async () => {
    const { path, signature } = imageFile('0.2.0', IMAGE_PADDING_BYTES);
    await chooseFile(path);
    await typeInto('#fw-version', '0.2.0');
    await typeInto('#fw-signature', signature);
    await page.click('#firmware-upload button[type=submit]');
    await waitText('#upload-status', /Firmware 0\.2\.0 uploaded \(\d+ KiB, signature verified\)/);
    await page.waitForSelector('#firmware-images tr[data-version="0.2.0"]');
    expect(await text('#upload-error')).toBe('');
    await screenshot('ota-1-uploaded');
  });

  it('should start the update from the meter page and show it confirmed with the new version installed', async () => {
    await page.goto(`${origin()}/#/meter/${ID}`);
    await waitText('#fw-installed', new RegExp(`^${FIRMWARE_VERSION.replace(/\./g, '\\.')}$`), 60_000);
    await waitText('#fw-update', /^Update to 0\.2\.0$/);
    // From the top of the page to the panel below the circuits, then by keyboard to the button.
    const toPanel = await page.waitForSelector('::-p-xpath(//div[@class="meta"]/button[text()="Firmware"])');
    await toPanel!.click();
    expect(await page.evaluate('document.activeElement.id')).toBe('fw-title');
    await page.focus('#fw-update');
    await page.keyboard.press('Enter');
    // Midway (the download is held there): the bar and the percentage, announced politely.
    await waitText('#fw-state', /^0\.2\.0: downloading$/, 60_000);
    await waitText('#fw-percent', /[1-9]\d* %/);
    const percent = await page.$eval('#fw-progress', (e) => Number((e as unknown as { value: number }).value));
    expect(percent).toBeGreaterThan(0);
    expect(percent).toBeLessThan(100);
    expect(await page.$eval('#fw-state', (e) => e.getAttribute('aria-live'))).toBe('polite');
    await screenshot('ota-2-progress');
    release();

    await waitText('#fw-state', /^0\.2\.0: (confirmed|refused|rolled back)/, 120_000);
    expect(await text('#fw-state')).toBe('0.2.0: confirmed');
    await waitText('#fw-installed', /^0\.2\.0$/);
    await screenshot('ota-3-confirmed');
  });
});
