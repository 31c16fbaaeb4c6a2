import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileCommandKeys } from './command-keys.file';

describe(FileCommandKeys.name, () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'command-keys-'));
    path = join(dir, 'command-keys.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('keyFor', () => {
    it('should return no key while the file does not exist', () => {
      expect(new FileCommandKeys(path).keyFor('vm-1')).toBeUndefined();
    });

    it('should read keys and see a changed file at once', () => {
      const keys = new FileCommandKeys(path);
      writeFileSync(path, JSON.stringify({ 'vm-1': 'ab'.repeat(32) }));
      expect(Buffer.from(keys.keyFor('vm-1')!).toString('hex')).toBe('ab'.repeat(32));
      expect(keys.keyFor('vm-2')).toBeUndefined();
      writeFileSync(path, JSON.stringify({ 'vm-1': 'cd'.repeat(32), 'vm-2': '01'.repeat(32) }));
      expect(Buffer.from(keys.keyFor('vm-1')!).toString('hex')).toBe('cd'.repeat(32));
      expect(keys.keyFor('vm-2')).toHaveLength(32);
    });

    it('should skip malformed entries and keep the good ones', () => {
      writeFileSync(path, JSON.stringify({ 'vm-1': 'short', 'a/b': '01'.repeat(32), 'vm-3': 7, 'vm-4': '02'.repeat(32) }));
      const keys = new FileCommandKeys(path);
      expect([keys.keyFor('vm-1'), keys.keyFor('a/b'), keys.keyFor('vm-3')]).toEqual([undefined, undefined, undefined]);
      expect(keys.keyFor('vm-4')).toHaveLength(32);
    });

    it('should give no keys for a file that is not a JSON object', () => {
      writeFileSync(path, '[1,2');
      expect(new FileCommandKeys(path).keyFor('vm-1')).toBeUndefined();
    });
  });
});
