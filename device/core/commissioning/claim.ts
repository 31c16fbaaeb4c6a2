/**
 * The claim exchange with the backend (docs/setup-portal.md "Claim"): the meter POSTs the code
 * the installer typed to `<backend>/api/claim` and gets its credentials back, once. Nothing secret
 * is typed by hand. The answer is checked whole before anything is stored.
 */
import { isValidDeviceId, parseCommandKeyHex } from '@dinmeter/shared';
import type { ClaimedCredentials, HttpResult } from './commissioning.ports';

export const CLAIM_PATH = '/api/claim';
const MQTT_URL = /^mqtts?:\/\/([A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?\/?$/;

/** The request body: the code and the id this meter would like (the backend may assign another). */
export function claimRequestBody(claimCode: string, deviceId: string, firmware: string): string {
  return JSON.stringify({ code: claimCode, device_id: deviceId, hardware: { firmware } });
}

/** Credentials from the answer, or why there are none, in words the installer can act on. */
export function readClaimResult(result: HttpResult, backendUrl: string, requestedId: string): { ok: true; credentials: ClaimedCredentials } | { ok: false; error: string } {
  if ('error' in result) return { ok: false, error: `The backend at ${backendUrl} did not answer (${result.error}). Check the address and that the meter's network reaches it.` };
  const { status } = result;
  const message = serverMessage(result.body);
  if (status === 429) return { ok: false, error: `Too many claim attempts: wait a minute and try again.${message ? ` (${message})` : ''}` };
  if (status === 404 && message === undefined) return { ok: false, error: `${backendUrl} is not a dinmeter backend (no ${CLAIM_PATH}).` };
  if (status >= 400 && status < 500) return { ok: false, error: `The backend refused the claim code: ${message ?? `HTTP ${status}`}. Ask for a new code if it expired or was used.` };
  if (status < 200 || status > 299) return { ok: false, error: `The backend failed (HTTP ${status}${message ? `: ${message}` : ''}). Try again.` };

  let body: Record<string, unknown>;
  try {
    body = JSON.parse(result.body) as Record<string, unknown>;
  } catch {
    return { ok: false, error: 'The backend answered the claim with something that is not JSON.' };
  }
  const problems: string[] = [];
  // `id` as `POST /api/devices` and the CLI print it (docs/security.md); the backend may assign another than asked.
  const deviceId = body.id ?? body.device_id ?? requestedId;
  if (typeof deviceId !== 'string' || !isValidDeviceId(deviceId)) problems.push(`id ${JSON.stringify(deviceId)}`);
  const mqttUrl = body.mqtt_url;
  if (typeof mqttUrl !== 'string' || !MQTT_URL.test(mqttUrl)) problems.push(`mqtt_url ${JSON.stringify(mqttUrl)}`);
  const text = (key: string): string => {
    const v = body[key];
    if (typeof v === 'string' && v.length > 0 && v.length <= 256) return v;
    problems.push(`${key} missing`);
    return '';
  };
  const mqttUser = text('username');
  const mqttPassword = text('password');
  const commandKey = text('command_key');
  if (commandKey) {
    try {
      parseCommandKeyHex(commandKey);
    } catch {
      problems.push('command_key is not 64 hex digits');
    }
  }
  if (problems.length > 0) return { ok: false, error: `The backend's claim answer is incomplete: ${problems.join(', ')}.` };
  return { ok: true, credentials: { deviceId: deviceId as string, mqttUrl: mqttUrl as string, mqttUser, mqttPassword, commandKey } };
}

/** NestJS error bodies carry `message` (a string or a list). */
function serverMessage(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message.slice(0, 200);
    if (Array.isArray(parsed.message)) return parsed.message.join('; ').slice(0, 200);
  } catch {
    // not JSON
  }
  return undefined;
}
