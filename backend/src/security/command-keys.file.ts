import { Logger } from '@nestjs/common';
import { readFileSync, statSync } from 'node:fs';
import { isValidDeviceId, parseCommandKeyHex } from '@dinmeter/shared';
import { CommandKeys } from './command-keys';

/** Name of the file in DATA_DIR: `{ "<device id>": "<64 hex digits>", … }`. */
export const COMMAND_KEY_FILE = 'command-keys.json';

/**
 * TEMPORARY source of the command keys (docs/security.md "Signed commands"), until the device
 * credentials registry issues them: a JSON object of device id → key in hex, written by whoever
 * provisions the meters (`npm run meters -- --command-keys DATA_DIR/command-keys.json` creates
 * the keys of its virtual meters there). Read again whenever the file changes, so a meter
 * provisioned while the backend runs is commanded at once. A malformed entry is logged and skipped.
 */
export class FileCommandKeys implements CommandKeys {
  private readonly logger = new Logger(FileCommandKeys.name);
  private stamp = '';
  private keys = new Map<string, Uint8Array>();

  constructor(private readonly path: string) {}

  keyFor(deviceId: string): Uint8Array | undefined {
    this.refresh();
    return this.keys.get(deviceId);
  }

  private refresh(): void {
    let stamp = 'absent';
    try {
      const stat = statSync(this.path);
      stamp = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    } catch {
      // no file: no keys
    }
    if (stamp === this.stamp) return;
    this.stamp = stamp;
    this.keys = stamp === 'absent' ? new Map() : this.load();
  }

  private load(): Map<string, Uint8Array> {
    const keys = new Map<string, Uint8Array>();
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.path, 'utf8'));
    } catch (error) {
      this.logger.error(`${this.path}: ${(error as Error).message}: no command keys`);
      return keys;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      this.logger.error(`${this.path}: must be a JSON object of device id → key: no command keys`);
      return keys;
    }
    for (const [id, hex] of Object.entries(parsed)) {
      try {
        if (!isValidDeviceId(id)) throw new RangeError('not a valid device id');
        if (typeof hex !== 'string') throw new TypeError('the key must be a string');
        keys.set(id, parseCommandKeyHex(hex));
      } catch (error) {
        this.logger.error(`${this.path}: entry ${JSON.stringify(id)} skipped: ${(error as Error).message}`);
      }
    }
    return keys;
  }
}
