/** SettingsStore on NVS (`preference`). Keys ≤ 15 characters, values ≤ 4000 bytes; write rarely. */
import Preference from 'preference';
import type { SettingsStore } from '../../core/ports';

const DOMAIN = 'dinmeter';
const MAX_KEY = 15;
const MAX_VALUE = 4000;

export class PreferenceSettings implements SettingsStore {
  get(key: string): string | undefined {
    checkKey(key);
    const value = Preference.get(DOMAIN, key);
    return typeof value === 'string' ? value : undefined;
  }

  set(key: string, value: string): void {
    checkKey(key);
    if (value.length > MAX_VALUE) throw new RangeError(`setting ${key} is ${value.length} characters, NVS allows ${MAX_VALUE}`);
    if (Preference.get(DOMAIN, key) === value) return; // spare the NVS erase cycles
    Preference.set(DOMAIN, key, value);
  }

  delete(key: string): void {
    checkKey(key);
    Preference.delete(DOMAIN, key);
  }
}

function checkKey(key: string): void {
  if (key.length < 1 || key.length > MAX_KEY) throw new RangeError(`NVS keys are 1..${MAX_KEY} characters: "${key}"`);
}
