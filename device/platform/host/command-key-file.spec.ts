import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { provisionCommandKeys, readCommandKey } from './command-key-file';

describe('provisionCommandKeys', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'command-key-file-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('should create a distinct 256-bit key per meter, keep them across runs, and add new meters', () => {
    const path = join(dir, 'backend', 'command-keys.json');
    const first = provisionCommandKeys(path, ['vm-1', 'vm-2']);
    expect([...first.values()].every((hex) => /^[0-9a-f]{64}$/.test(hex))).toBe(true);
    expect(first.get('vm-1')).not.toBe(first.get('vm-2'));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = provisionCommandKeys(path, ['vm-2', 'vm-3']);
    expect(again.get('vm-2')).toBe(first.get('vm-2'));
    expect(Object.keys(JSON.parse(readFileSync(path, 'utf8'))).sort()).toEqual(['vm-1', 'vm-2', 'vm-3']);
    expect(Buffer.from(readCommandKey(path, 'vm-1')!).toString('hex')).toBe(first.get('vm-1'));
    expect(readCommandKey(path, 'vm-9')).toBeUndefined();
  });

  it('should refuse a file with a malformed key instead of replacing it', () => {
    const path = join(dir, 'command-keys.json');
    writeFileSync(path, JSON.stringify({ 'vm-1': 'nope' }));
    expect(() => provisionCommandKeys(path, ['vm-1'])).toThrow('a command key is 64 hex digits');
  });
});
