/**
 * The commissioning ports of the virtual meter: the claim over fetch, the settings file as the
 * provisioning store, and a network that is already there (the virtual meter shares the host's).
 */
import type { ClaimedCredentials, CommissioningStore, HttpClient, HttpResult, PortalNetwork } from '../../core/commissioning/commissioning.ports';
import { saveCircuitSetup } from '../../core/commissioning/circuit-setup';
import type { MeterSetup } from '../../core/commissioning/setup-form';
import type { SettingsStore } from '../../core/ports';
import { CREDENTIAL_SETTINGS } from './meter-provisioning';

const CLAIM_TIMEOUT_MS = 10_000;

/** Settings keys of the provisioning: the names of the ESP32's `mc/config` keys (platform/moddable/provisioning.ts). */
export const PROVISIONING_SETTINGS = {
  deviceId: 'deviceId',
  wifiSsid: 'wifiSsid',
  wifiPassword: 'wifiPassword',
  ethernet: 'ethernet',
  mqttUrl: 'mqttUrl',
  mqttUser: CREDENTIAL_SETTINGS.username,
  mqttPassword: CREDENTIAL_SETTINGS.password,
  commandKey: CREDENTIAL_SETTINGS.commandKey,
} as const;

export class FetchHttpClient implements HttpClient {
  postJson(url: string, body: string, done: (result: HttpResult) => void): void {
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(CLAIM_TIMEOUT_MS) })
      .then(async (response) => done({ status: response.status, body: await response.text() }))
      .catch((error: Error) => done({ error: (error.cause as Error | undefined)?.message ?? error.message }));
  }
}

/** No access point on the host: the portal server is opened by the caller; joining succeeds at once. */
export class HostPortalNetwork implements PortalNetwork {
  openPortal(): void {
    // the caller's PortalServer already listens
  }
  join(_network: MeterSetup['network'], done: (error: string | undefined) => void): void {
    setImmediate(() => done(undefined));
  }
}

export class SettingsCommissioningStore implements CommissioningStore {
  constructor(private readonly settings: SettingsStore) {}

  isCommissioned(): boolean {
    const k = PROVISIONING_SETTINGS;
    return [k.mqttUrl, k.mqttUser, k.mqttPassword].every((key) => !!this.settings.get(key));
  }

  /** The circuits first (they may refuse), the login last: a meter cut off mid-way is not commissioned. */
  save(setup: MeterSetup, credentials: ClaimedCredentials): void {
    const k = PROVISIONING_SETTINGS;
    saveCircuitSetup(this.settings, setup.circuits);
    if (setup.network.kind === 'wifi') {
      this.settings.set(k.wifiSsid, setup.network.ssid);
      this.settings.set(k.wifiPassword, setup.network.password ?? '');
      this.settings.delete(k.ethernet);
    } else this.settings.set(k.ethernet, '1');
    this.settings.set(k.deviceId, credentials.deviceId);
    this.settings.set(k.mqttUrl, credentials.mqttUrl);
    this.settings.set(k.commandKey, credentials.commandKey);
    this.settings.set(k.mqttUser, credentials.mqttUser);
    this.settings.set(k.mqttPassword, credentials.mqttPassword);
  }

  /** What the meter connects with, once commissioned. */
  saved(): ClaimedCredentials | undefined {
    if (!this.isCommissioned()) return undefined;
    const get = (key: string) => this.settings.get(key) ?? '';
    const k = PROVISIONING_SETTINGS;
    return { deviceId: get(k.deviceId), mqttUrl: get(k.mqttUrl), mqttUser: get(k.mqttUser), mqttPassword: get(k.mqttPassword), commandKey: get(k.commandKey) };
  }
}
