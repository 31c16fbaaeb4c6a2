/**
 * Where commissioning leaves its result on the ESP32: the NVS `prov` domain that provisioning.ts
 * reads at boot (network, broker URL, login, command key, device id), and the core's settings for
 * the per-circuit setup (circuit-setup.ts). The login is written last, so a meter that loses
 * power half-way is still uncommissioned and opens the portal again.
 */
import Preference from 'preference';
import type { ClaimedCredentials, CommissioningStore } from '../../core/commissioning/commissioning.ports';
import { saveCircuitSetup } from '../../core/commissioning/circuit-setup';
import type { MeterSetup } from '../../core/commissioning/setup-form';
import type { SettingsStore } from '../../core/ports';
import { Provisioning, PROVISIONING_DOMAIN, PROVISIONING_KEYS } from './provisioning';

/** Set by a long press of the setup button: the next boot opens the portal even on a commissioned meter. */
const PORTAL_REQUEST_KEY = 'portal';

/** Commissioned: the meter has a network and a broker login (without a command key it runs and refuses commands). */
export function isCommissioned(p: Provisioning): boolean {
  return p.wifi !== undefined && p.mqtt?.user !== undefined && p.mqtt.password !== undefined;
}

export function portalRequested(): boolean {
  return Preference.get(PROVISIONING_DOMAIN, PORTAL_REQUEST_KEY) === 1;
}

export function requestPortal(wanted: boolean): void {
  if (wanted) Preference.set(PROVISIONING_DOMAIN, PORTAL_REQUEST_KEY, 1);
  else Preference.delete(PROVISIONING_DOMAIN, PORTAL_REQUEST_KEY);
}

export class NvsCommissioningStore implements CommissioningStore {
  constructor(
    private readonly provisioning: Provisioning,
    private readonly settings: SettingsStore,
  ) {}

  isCommissioned(): boolean {
    return isCommissioned(this.provisioning) && !portalRequested();
  }

  save(setup: MeterSetup, credentials: ClaimedCredentials): void {
    saveCircuitSetup(this.settings, setup.circuits);
    const set = (field: keyof typeof PROVISIONING_KEYS, value: string) => Preference.set(PROVISIONING_DOMAIN, PROVISIONING_KEYS[field].pref, value);
    if (setup.network.kind === 'wifi') {
      set('wifiSsid', setup.network.ssid);
      set('wifiPassword', setup.network.password ?? '');
    }
    set('deviceId', credentials.deviceId);
    set('mqttUrl', credentials.mqttUrl);
    set('commandKey', credentials.commandKey);
    set('mqttUser', credentials.mqttUser);
    set('mqttPassword', credentials.mqttPassword);
    requestPortal(false);
  }
}
