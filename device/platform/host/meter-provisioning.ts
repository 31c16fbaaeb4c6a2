/**
 * How `npm run meters` (and `npm start`) give their virtual meters an MQTT login and a command key:
 * through the backend's credentials registry (backend/src/security/credentials), the code path of
 * `dinmeter device add`. Each meter keeps what it was issued in its settings file, as a real meter
 * keeps it in NVS, and reuses it while it still verifies; the others are provisioned in one write.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDotEnv } from '../../../backend/src/config/app-config';
import { CredentialsRegistry, IssuedMeter } from '../../../backend/src/security/credentials/credentials.registry';
import { FileSettingsStore } from './file-settings';

/** Settings keys of the meter's login and command key (the names of the ESP32's `prov` preferences). */
export const CREDENTIAL_SETTINGS = { username: 'mqttUser', password: 'mqttPassword', commandKey: 'commandKey' } as const;

/** The backend's DATA_DIR as the backend resolves it: environment, then .env, then its default. */
export function backendDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromFile = existsSync('.env') ? parseDotEnv(readFileSync('.env', 'utf8')) : {};
  return env.DATA_DIR?.trim() || fromFile.DATA_DIR?.trim() || '.data/backend';
}

/** The settings file of the meter whose state is in `meterDir` (virtual-meter.ts). */
export function settingsPath(meterDir: string): string {
  return join(meterDir, 'settings.json');
}

/** Provisions (or re-uses) every meter's credential and saves it in the meter's settings. */
export async function provisionVirtualMeters(backendDir: string, meters: readonly { id: string; dir: string }[]): Promise<Map<string, IssuedMeter>> {
  const registry = new CredentialsRegistry(backendDir);
  const wanted = meters.map(({ id, dir }) => {
    const settings = new FileSettingsStore(settingsPath(dir));
    return { id, saved: { password: settings.get(CREDENTIAL_SETTINGS.password), commandKey: settings.get(CREDENTIAL_SETTINGS.commandKey) } };
  });
  const issued = await registry.ensureMeters(wanted);
  meters.forEach(({ dir }, k) => {
    const settings = new FileSettingsStore(settingsPath(dir));
    settings.set(CREDENTIAL_SETTINGS.username, issued[k].username);
    settings.set(CREDENTIAL_SETTINGS.password, issued[k].password);
    settings.set(CREDENTIAL_SETTINGS.commandKey, issued[k].commandKey);
  });
  return new Map(issued.map((m) => [m.id, m]));
}
