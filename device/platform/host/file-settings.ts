import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SettingsStore } from '../../core/ports';

/** SettingsStore (the ESP32's NVS "preference") as one JSON file, rewritten atomically on each change. */
export class FileSettingsStore implements SettingsStore {
  private readonly values: Record<string, string>;

  constructor(private readonly path: string) {
    try {
      this.values = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read settings ${path}: ${(error as Error).message}`);
      this.values = {};
    }
  }

  get(key: string): string | undefined {
    return this.values[key];
  }

  set(key: string, value: string): void {
    if (this.values[key] === value) return;
    this.values[key] = value;
    this.write();
  }

  delete(key: string): void {
    if (!(key in this.values)) return;
    delete this.values[key];
    this.write();
  }

  private write(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.values, null, 1));
    renameSync(tmp, this.path);
  }
}
