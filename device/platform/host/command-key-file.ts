/**
 * TEMPORARY provisioning of the virtual meters' command keys (docs/security.md "Signed commands"),
 * until the device credentials registry issues them: one JSON file of device id → key in hex,
 * shared with the backend, which reads it as DATA_DIR/command-keys.json. A meter missing from the
 * file gets a new random key, written atomically; an existing key is kept (a restarted meter
 * keeps its key).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { COMMAND_KEY_BYTES, parseCommandKeyHex } from '@dinmeter/shared';

function readKeys(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TypeError(`${path} must be a JSON object of device id → command key`);
  return parsed as Record<string, string>;
}

/** The command key (hex) of each id, creating the missing ones in `path`. */
export function provisionCommandKeys(path: string, ids: readonly string[]): Map<string, string> {
  const keys = readKeys(path);
  let changed = false;
  for (const id of ids) {
    const existing = keys[id];
    if (typeof existing === 'string') {
      parseCommandKeyHex(existing); // a malformed key stops the meters with the reason
      continue;
    }
    keys[id] = randomBytes(COMMAND_KEY_BYTES).toString('hex');
    changed = true;
  }
  if (changed) {
    mkdirSync(dirname(path), { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, path);
  }
  return new Map(ids.map((id) => [id, keys[id]]));
}

/** The key of one meter in `path` (tests that sign commands themselves), or undefined. */
export function readCommandKey(path: string, id: string): Uint8Array | undefined {
  const hex = readKeys(path)[id];
  return typeof hex === 'string' ? parseCommandKeyHex(hex) : undefined;
}
