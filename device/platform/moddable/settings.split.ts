/**
 * A SettingsStore that keeps small values in NVS and large ones in files. Why: ESP-IDF NVS
 * strings are limited to 4000 bytes and our NVS partition is 24 KiB, but the relay manager
 * stores the whole plan (`rl.plan`, up to ~60 KB) — so any value above `inlineLimit` UTF-8 bytes
 * goes to a file and NVS keeps only a marker.
 *
 * Crash safety (a power cut may land between any two steps):
 * - large write: the file is replaced atomically first (write a temp file, rename over — LittleFS
 *   rename is atomic), then the marker is set. Cut in between: NVS still holds the old small
 *   value, or the marker already pointed at the file — either way a whole value is read back.
 * - small write over a large one: NVS is overwritten first, then the file removed. Cut in
 *   between: a stale file nobody points at, overwritten by the next large write.
 * Portable (no Moddable imports): the two stores are injected; settings.adapter.ts supplies NVS
 * (`preference`) and LittleFS (`file`), settings.split.xs-test.ts in-memory fakes.
 */
import { utf8ByteLength } from '@dinmeter/shared';
import type { SettingsStore } from '../../core/ports';

/** Small values (NVS). */
export interface SmallValueStore {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
  delete(key: string): void;
}

/** Large values by name; `write` must replace the whole value atomically. */
export interface BlobStore {
  read(name: string): string | undefined;
  write(name: string, value: string): void;
  remove(name: string): void;
}

/** The NVS value meaning "the value is in the file named like the key". No real value starts with U+0001. */
export const IN_FILE_MARKER = '\u0001file';
/** NVS key rules (≤ 15 characters) and safe file names. */
const KEY_PATTERN = /^[A-Za-z0-9._-]{1,15}$/;
const DEFAULT_INLINE_LIMIT = 1024;

export class SplitSettings implements SettingsStore {
  private readonly inlineLimit: number;

  constructor(
    private readonly small: SmallValueStore,
    private readonly blobs: BlobStore,
    options: { inlineLimit?: number } = {},
  ) {
    this.inlineLimit = options.inlineLimit ?? DEFAULT_INLINE_LIMIT;
    if (!Number.isInteger(this.inlineLimit) || this.inlineLimit < 16 || this.inlineLimit > 4000) {
      throw new RangeError(`inlineLimit must be an integer 16..4000 bytes (NVS string limit), got ${this.inlineLimit}`);
    }
  }

  get(key: string): string | undefined {
    checkKey(key);
    const value = this.small.get(key);
    if (value !== IN_FILE_MARKER) return value;
    return this.blobs.read(key); // undefined if the file is gone: the caller treats it as never saved
  }

  set(key: string, value: string): void {
    checkKey(key);
    if (typeof value !== 'string') throw new TypeError(`setting ${key} must be a string, got ${typeof value}`);
    const before = this.small.get(key);
    if (utf8ByteLength(value) <= this.inlineLimit && !value.startsWith('\u0001')) {
      this.small.set(key, value);
      if (before === IN_FILE_MARKER) this.blobs.remove(key);
      return;
    }
    this.blobs.write(key, value);
    if (before !== IN_FILE_MARKER) this.small.set(key, IN_FILE_MARKER);
  }

  delete(key: string): void {
    checkKey(key);
    const before = this.small.get(key);
    this.small.delete(key);
    if (before === IN_FILE_MARKER) this.blobs.remove(key);
  }
}

function checkKey(key: string): void {
  if (typeof key !== 'string' || !KEY_PATTERN.test(key)) throw new RangeError(`settings keys are 1..15 of [A-Za-z0-9._-]: "${String(key)}"`);
}
