/**
 * What a meter needs to know about its installation — device id, Wi-Fi, MQTT broker, command
 * key, SNTP server, telemetry interval — resolved from three layers, most specific first:
 *   1. NVS preferences in the `prov` domain (written by a provisioning step: docs/hardware.md),
 *   2. the build's `mc/config` (manifest `config`, overridable as `mcconfig … key=value`),
 *   3. derived defaults (device id from the Wi-Fi MAC).
 * Portable (no Moddable imports) so it runs in the XS test vectors too. A bad value is a
 * provisioning fault, not a crash: it is reported in `problems` and the next layer is used, so a
 * mis-provisioned meter still meters, records to flash and restores its relays.
 */
import { isValidDeviceId, parseCommandKeyHex } from '@dinmeter/shared';

/** NVS domain of the provisioning keys (separate from the core's `dinmeter` domain). */
export const PROVISIONING_DOMAIN = 'prov';

/** Preference key (≤ 15 chars, NVS) and `mc/config` key of each provisioned value. */
export const PROVISIONING_KEYS = {
  deviceId: { pref: 'id', config: 'deviceId' },
  wifiSsid: { pref: 'ssid', config: 'wifiSsid' },
  wifiPassword: { pref: 'pass', config: 'wifiPassword' },
  mqttUrl: { pref: 'mqtt', config: 'mqttUrl' },
  mqttUser: { pref: 'user', config: 'mqttUser' },
  mqttPassword: { pref: 'pw', config: 'mqttPassword' },
  /** 64 hex digits: the key every command and plan must be signed with (docs/security.md "Signed commands"). */
  commandKey: { pref: 'ckey', config: 'commandKey' },
  sntp: { pref: 'ntp', config: 'sntp' },
  intervalS: { pref: 'interval', config: 'intervalS' },
} as const;

export type ProvisioningField = keyof typeof PROVISIONING_KEYS;

export interface MqttEndpoint {
  host: string;
  port: number;
  tls: boolean;
}

export interface Provisioning {
  deviceId: string;
  /** Where the device id came from (diagnostics). */
  deviceIdSource: 'preference' | 'config' | 'mac' | 'fallback';
  wifi?: { ssid: string; password?: string };
  mqtt?: MqttEndpoint & { user?: string; password?: string };
  /** Undefined when none (or a malformed one) is provisioned: the meter then refuses every command and plan. */
  commandKey?: Uint8Array;
  sntp: string;
  intervalS: number;
  problems: string[];
}

const DEFAULT_SNTP = 'pool.ntp.org';
const DEFAULT_INTERVAL_S = 10;
const INTERVAL_RANGE = { min: 1, max: 3600 };

/** `dm-` and the 12 hex digits of the MAC, lower case: "A4:CF:12:0B:3C:7D" → "dm-a4cf120b3c7d". */
export function deviceIdFromMac(mac: string): string | undefined {
  const hex = mac.replace(/[:-]/g, '').toLowerCase();
  return /^[0-9a-f]{12}$/.test(hex) && !/^0+$/.test(hex) ? `dm-${hex}` : undefined;
}

/** `mqtt://host[:port]` (default 1883) or `mqtts://host[:port]` (default 8883); no path, no credentials in the URL. */
export function parseMqttUrl(url: string): MqttEndpoint {
  const match = /^(mqtts?):\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?\/?$/.exec(url.trim());
  if (!match) throw new RangeError(`not an mqtt:// or mqtts:// URL with a host and optional port: "${url}"`);
  const tls = match[1] === 'mqtts';
  const port = match[3] === undefined ? (tls ? 8883 : 1883) : Number(match[3]);
  if (port < 1 || port > 65535) throw new RangeError(`MQTT port out of range in "${url}"`);
  return { host: match[2], port, tls };
}

/**
 * Resolves the provisioning. `build` is `mc/config`; `saved(key)` reads a key of the `prov`
 * preference domain (undefined when unset); `mac` is the station MAC if known.
 */
export function resolveProvisioning(
  build: Readonly<Record<string, unknown>>,
  saved: (prefKey: string) => unknown,
  mac: string | undefined,
): Provisioning {
  const problems: string[] = [];
  /** The first non-empty string among preference and config, with its source. */
  const pick = (field: ProvisioningField): { value: string; source: 'preference' | 'config' } | undefined => {
    const keys = PROVISIONING_KEYS[field];
    const fromPref = text(saved(keys.pref));
    if (fromPref !== undefined) return { value: fromPref, source: 'preference' };
    const fromConfig = text(build[keys.config]);
    return fromConfig === undefined ? undefined : { value: fromConfig, source: 'config' };
  };

  // Device id: preference, then config, then MAC; an invalid one is skipped with a problem.
  let deviceId: string | undefined;
  let deviceIdSource: Provisioning['deviceIdSource'] = 'fallback';
  const candidates: [string | undefined, Provisioning['deviceIdSource']][] = [
    [text(saved(PROVISIONING_KEYS.deviceId.pref)), 'preference'],
    [text(build[PROVISIONING_KEYS.deviceId.config]), 'config'],
    [mac === undefined ? undefined : deviceIdFromMac(mac), 'mac'],
  ];
  for (const [candidate, source] of candidates) {
    if (candidate === undefined) continue;
    if (isValidDeviceId(candidate)) {
      deviceId = candidate;
      deviceIdSource = source;
      break;
    }
    problems.push(`device id from ${source} is invalid: "${candidate}"`);
  }
  if (deviceId === undefined) {
    deviceId = 'dm-unprovisioned';
    problems.push('no valid device id (no preference, no config, no MAC): using dm-unprovisioned');
  }

  const ssid = pick('wifiSsid');
  const wifiPassword = pick('wifiPassword');
  const wifi = ssid ? { ssid: ssid.value, ...(wifiPassword ? { password: wifiPassword.value } : {}) } : undefined;
  if (!wifi) problems.push('no Wi-Fi SSID provisioned: the meter runs offline (records stay in flash)');

  let mqtt: Provisioning['mqtt'];
  const url = pick('mqttUrl');
  if (!url) problems.push('no MQTT URL provisioned: the meter runs offline');
  else {
    try {
      const user = pick('mqttUser');
      const password = pick('mqttPassword');
      mqtt = { ...parseMqttUrl(url.value), ...(user ? { user: user.value } : {}), ...(password ? { password: password.value } : {}) };
    } catch (error) {
      problems.push(`MQTT URL from ${url.source}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  let commandKey: Uint8Array | undefined;
  const key = pick('commandKey');
  if (!key) problems.push('no command key provisioned: every command and plan is refused');
  else {
    try {
      commandKey = parseCommandKeyHex(key.value);
    } catch (error) {
      problems.push(`command key from ${key.source}: ${error instanceof Error ? error.message : String(error)}: every command and plan is refused`);
    }
  }

  const sntp = pick('sntp')?.value ?? DEFAULT_SNTP;

  let intervalS = DEFAULT_INTERVAL_S;
  const interval = pick('intervalS');
  if (interval) {
    const n = Number(interval.value);
    if (Number.isInteger(n) && n >= INTERVAL_RANGE.min && n <= INTERVAL_RANGE.max) intervalS = n;
    else problems.push(`interval from ${interval.source} must be an integer ${INTERVAL_RANGE.min}..${INTERVAL_RANGE.max} s: "${interval.value}"`);
  }

  return { deviceId, deviceIdSource, wifi, mqtt, commandKey, sntp, intervalS, problems };
}

/** A provisioned value as text: a non-empty string, or a number (NVS i32, a JSON number in the manifest). */
function text(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}
