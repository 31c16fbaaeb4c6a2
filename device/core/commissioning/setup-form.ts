/**
 * The setup form's fields, their validation and the setup they describe. Every field is checked
 * and every error is reported at once, keyed by the field's name, so the page can mark each one;
 * a form with any error yields no setup (nothing is saved, nothing is joined).
 */
import { CIRCUIT_COUNT, CtModel, FailsafeMode, MAX_FAILSAFE_AFTER_S, MIN_FAILSAFE_AFTER_S, PowerOnState, utf8ByteLength } from '@dinmeter/shared';

export type NetworkChoice = { kind: 'wifi'; ssid: string; password?: string } | { kind: 'ethernet' };

export interface CircuitSetup {
  circuit: number;
  label?: string;
  /** Id of a CT model of the offered list (the shared CT table's id, e.g. SCT-013-000). */
  ctModel: string;
  relayFitted: boolean;
  powerOnState: PowerOnState;
  failsafe: { mode: FailsafeMode; afterSeconds: number };
}

export interface MeterSetup {
  network: NetworkChoice;
  /** The backend's base URL, e.g. http://192.168.1.20:3000 (the claim goes to `<url>/api/claim`). */
  backendUrl: string;
  /** As typed, trimmed: the backend normalises it (Crockford base32, dashes and case ignored). */
  claimCode: string;
  circuits: CircuitSetup[];
}

export interface FormContext {
  /** The CT models offered, the first the default: the shared CT_MODELS. */
  ctModels: readonly CtModel[];
  /** Whether the board has the W5500 Ethernet option (docs/hardware.md). */
  ethernet: boolean;
}

export type FormResult = { ok: true; setup: MeterSetup } | { ok: false; errors: Record<string, string> };

/** Field names of circuit `k` (1-based). */
export const circuitField = (k: number) =>
  ({
    label: `c${k}_label`,
    ct: `c${k}_ct`,
    relay: `c${k}_relay`,
    powerOn: `c${k}_power_on`,
    failsafe: `c${k}_failsafe`,
    failsafeS: `c${k}_failsafe_s`,
  }) as const;

/** What a circuit nobody touched gets: the product's relay defaults (power-on restore, hold on heartbeat loss). */
export const CIRCUIT_DEFAULTS = { powerOnState: 'restore', failsafe: 'hold', failsafeS: 120 } as const;

const POWER_ON: readonly PowerOnState[] = ['restore', 'off', 'on'];
const FAILSAFE: readonly FailsafeMode[] = ['hold', 'off', 'on'];
/** IEEE 802.11: an SSID is 1–32 octets. WPA2: a passphrase is 8–63 characters, or 64 hex digits. */
const SSID_MAX_BYTES = 32;
const CLAIM_CODE = /^[0-9A-Za-z]{8}$/;
/** http(s)://host[:port][/path], no credentials, no query. */
const BACKEND_URL = /^https?:\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?(\/[A-Za-z0-9._~/-]*)?$/;
const LABEL_MAX = 64;

/** Decodes application/x-www-form-urlencoded; a malformed escape is an error (thrown with the pair). */
export function parseUrlEncoded(body: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const pair of body.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    const rawValue = eq < 0 ? '' : pair.slice(eq + 1);
    try {
      fields[decodeURIComponent(rawName.replace(/\+/g, ' '))] = decodeURIComponent(rawValue.replace(/\+/g, ' '));
    } catch {
      throw new RangeError(`malformed form field "${pair.slice(0, 40)}"`);
    }
  }
  return fields;
}

/** Validates the submitted fields (parseUrlEncoded) into a setup, or every error by field name. */
export function parseSetupForm(fields: Readonly<Record<string, string>>, context: FormContext): FormResult {
  const errors: Record<string, string> = {};
  const value = (name: string) => (fields[name] ?? '').trim();

  let network: NetworkChoice | undefined;
  const kind = value('network') || 'wifi';
  if (kind === 'ethernet') {
    if (context.ethernet) network = { kind: 'ethernet' };
    else errors.network = 'This meter has no Ethernet port: choose Wi-Fi.';
  } else if (kind === 'wifi') {
    const ssid = value('ssid');
    const password = fields.wifi_password ?? '';
    const ssidBytes = utf8ByteLength(ssid);
    if (ssidBytes === 0) errors.ssid = 'Enter the name (SSID) of the Wi-Fi network.';
    else if (ssidBytes > SSID_MAX_BYTES) errors.ssid = `A Wi-Fi name is at most ${SSID_MAX_BYTES} bytes; this one has ${ssidBytes}.`;
    const hex64 = /^[0-9A-Fa-f]{64}$/.test(password);
    if (password !== '' && !hex64 && (password.length < 8 || password.length > 63))
      errors.wifi_password = `A WPA2 password has 8 to 63 characters (this one has ${password.length}); leave it empty for an open network.`;
    if (!errors.ssid && !errors.wifi_password) network = password === '' ? { kind: 'wifi', ssid } : { kind: 'wifi', ssid, password };
  } else errors.network = 'Choose Wi-Fi or Ethernet.';

  const backendUrl = value('backend').replace(/\/+$/, '');
  if (backendUrl === '') errors.backend = 'Enter the backend address, e.g. http://192.168.1.20:3000.';
  else {
    const match = BACKEND_URL.exec(backendUrl);
    const port = match?.[2] === undefined ? 80 : Number(match[2].slice(1));
    if (!match || port < 1 || port > 65535)
      errors.backend = `"${backendUrl}" is not an http:// or https:// address with a host and an optional port.`;
  }

  const claimCode = value('code');
  if (claimCode === '') errors.code = 'Enter the claim code shown by the backend (e.g. ABCD-EFGH).';
  else if (!CLAIM_CODE.test(claimCode.replace(/[\s-]/g, '')))
    errors.code = 'A claim code has 8 letters and digits, e.g. ABCD-EFGH.';

  const circuits: CircuitSetup[] = [];
  for (let k = 1; k <= CIRCUIT_COUNT; k++) {
    const name = circuitField(k);
    const label = value(name.label);
    if (label.length > LABEL_MAX) errors[name.label] = `Circuit ${k}: a label is at most ${LABEL_MAX} characters.`;
    const ctModel = value(name.ct) || (context.ctModels[0]?.id ?? '');
    if (!context.ctModels.some((m) => m.id === ctModel)) errors[name.ct] = `Circuit ${k}: choose a CT model from the list.`;
    const relayFitted = value(name.relay) === 'yes';
    const powerOn = (value(name.powerOn) || CIRCUIT_DEFAULTS.powerOnState) as PowerOnState;
    if (!POWER_ON.includes(powerOn)) errors[name.powerOn] = `Circuit ${k}: power-on state is restore, off or on.`;
    const failsafe = (value(name.failsafe) || CIRCUIT_DEFAULTS.failsafe) as FailsafeMode;
    if (!FAILSAFE.includes(failsafe)) errors[name.failsafe] = `Circuit ${k}: failsafe is hold, off or on.`;
    const secondsText = value(name.failsafeS) || String(CIRCUIT_DEFAULTS.failsafeS);
    const seconds = Number(secondsText);
    if (!/^\d+$/.test(secondsText) || seconds < MIN_FAILSAFE_AFTER_S || seconds > MAX_FAILSAFE_AFTER_S)
      errors[name.failsafeS] = `Circuit ${k}: failsafe delay is a whole number of seconds from ${MIN_FAILSAFE_AFTER_S} to ${MAX_FAILSAFE_AFTER_S}.`;
    circuits.push({
      circuit: k,
      ...(label ? { label } : {}),
      ctModel,
      relayFitted,
      powerOnState: powerOn,
      failsafe: { mode: failsafe, afterSeconds: seconds },
    });
  }

  if (Object.keys(errors).length > 0 || !network) return { ok: false, errors };
  return { ok: true, setup: { network, backendUrl, claimCode, circuits } };
}
