/**
 * The ESP32 SettingsStore: small values in NVS (`preference`), large ones (the relay plan) in
 * files on the LittleFS `storage` partition (`file` module, manifest_littlefs.json), combined by
 * SplitSettings (settings.split.ts, which explains the crash safety).
 */
import { File } from 'file';
import config from 'mc/config';
import Preference from 'preference';
import type { SettingsStore } from '../../core/ports';
import { BlobStore, SmallValueStore, SplitSettings } from './settings.split';

/** NVS domain (namespace) of the core's settings; provisioning uses its own (`prov`). */
const DOMAIN = 'dinmeter';
/** ESP-IDF NVS: keys ≤ 15 characters, strings ≤ 4000 bytes including the terminator. */
const MAX_KEY = 15;
const MAX_VALUE = 3999;

/** NVS strings. Writes rarely: every value is written only when it changed. */
export class PreferenceSettings implements SmallValueStore {
  constructor(private readonly domain = DOMAIN) {}

  get(key: string): string | undefined {
    checkKey(key);
    const value = Preference.get(this.domain, key);
    return typeof value === 'string' ? value : undefined;
  }

  set(key: string, value: string): void {
    checkKey(key);
    if (value.length > MAX_VALUE) throw new RangeError(`setting ${key} is ${value.length} characters, NVS allows ${MAX_VALUE}`);
    if (Preference.get(this.domain, key) === value) return; // spare the NVS erase cycles
    Preference.set(this.domain, key, value);
  }

  delete(key: string): void {
    checkKey(key);
    Preference.delete(this.domain, key);
  }
}

/**
 * Whole-value files on LittleFS. The Moddable LittleFS `File(path, true)` opens without
 * truncation, so a value is written to a fresh temp file and renamed over the old one
 * (lfs_rename replaces the target atomically).
 */
export class LittleFsBlobs implements BlobStore {
  private readonly prefix: string;

  constructor(root: string = String((config as { file?: { root?: string } }).file?.root ?? '/')) {
    this.prefix = `${root.endsWith('/') ? root : `${root}/`}dm.`;
  }

  read(name: string): string | undefined {
    const path = this.prefix + name;
    if (!File.exists(path)) return undefined;
    const file = new File(path);
    try {
      return file.length === 0 ? '' : file.read(String);
    } finally {
      file.close();
    }
  }

  write(name: string, value: string): void {
    const path = this.prefix + name;
    const temp = `${path}.new`;
    if (File.exists(temp)) File.delete(temp);
    const file = new File(temp, true);
    try {
      file.write(value);
    } finally {
      file.close();
    }
    // The new name goes without its folder: the SDK's file modules (LittleFS, lin) take an absolute
    // path or a bare name in the source's folder, and refuse a relative path ("invalid to").
    if (!File.rename(temp, path.slice(path.lastIndexOf('/') + 1))) throw new Error(`could not replace ${path}`);
  }

  remove(name: string): void {
    const path = this.prefix + name;
    if (File.exists(path)) File.delete(path);
  }
}

export function createSettingsStore(): SettingsStore {
  return new SplitSettings(new PreferenceSettings(), new LittleFsBlobs());
}

function checkKey(key: string): void {
  if (key.length < 1 || key.length > MAX_KEY) throw new RangeError(`NVS keys are 1..${MAX_KEY} characters: "${key}"`);
}
