import { spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonFileError, LockedJsonDocument, LockedJsonFile, versionOneList } from './locked-json-file';

interface Hits {
  version: 1;
  hits: string[];
}
const HITS: LockedJsonDocument<Hits> = { what: 'a hits file', empty: () => ({ version: 1, hits: [] }), problems: (value) => versionOneList(value, 'hits') };

const ROOT = join(__dirname, '../../..');
/**
 * A writer in its own process (the CLI beside the backend): `add <name> <n>` adds n hits one
 * update at a time; `crash` dies by SIGKILL after writing its temp file, before the rename.
 */
const WRITER = `
const fs = require('node:fs');
const { LockedJsonFile, versionOneList } = require(${JSON.stringify(join(__dirname, 'locked-json-file.ts'))});
const [path, mode, name, n] = process.argv.slice(1);
const file = new LockedJsonFile(path, { what: 'a hits file', empty: () => ({ version: 1, hits: [] }), problems: (v) => versionOneList(v, 'hits') });
if (mode === 'crash') {
  fs.fsyncSync = () => process.kill(process.pid, 'SIGKILL');
  file.update((doc) => doc.hits.push('lost'));
} else {
  for (let k = 0; k < Number(n); k++) file.update((doc) => doc.hits.push(name + ':' + k));
}
`;

function writer(...args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', '-e', WRITER, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe(LockedJsonFile.name, () => {
  let dir: string;
  let path: string;
  let file: LockedJsonFile<Hits>;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dinmeter-locked-json-'));
    path = join(dir, 'data', 'hits.json');
    file = new LockedJsonFile(path, HITS);
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  describe('read', () => {
    it('should give the empty document while the file does not exist', () => {
      expect(file.read()).toEqual({ version: 1, hits: [] });
      expect(file.mtimeMs()).toBe(0);
    });

    it('should refuse a file that is not JSON, or not the document, naming the file and the problem', () => {
      mkdirSync(join(dir, 'data'));
      writeFileSync(path, '{"version":1,"hits":[');
      expect(() => file.read()).toThrow(JsonFileError);
      expect(() => file.read()).toThrow(`${path} is not JSON: `);

      writeFileSync(path, '{"version":2,"hits":[]}');
      expect(() => file.read()).toThrow(`${path} is not a hits file: version must be 1, got 2`);
      writeFileSync(path, '[]');
      expect(() => file.read()).toThrow(`${path} is not a hits file: not an object`);
      writeFileSync(path, '{"version":1,"hits":{}}');
      expect(() => file.read()).toThrow(`${path} is not a hits file: hits must be an array`);
    });
  });

  describe('update', () => {
    it('should write the changed document in a file only the owner may read, and return what the change returns', () => {
      expect(file.update((doc) => doc.hits.push('a'))).toBe(1);

      expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ version: 1, hits: ['a'] });
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'data')).mode & 0o777).toBe(0o700);
      expect(readdirSync(join(dir, 'data'))).toEqual(['hits.json']);
    });

    it('should write nothing when the change throws, and release the lock', () => {
      file.update((doc) => doc.hits.push('a'));
      const before = readFileSync(path, 'utf8');

      expect(() =>
        file.update((doc) => {
          doc.hits.push('b');
          throw new Error('refused');
        }),
      ).toThrow('refused');
      expect(readFileSync(path, 'utf8')).toBe(before);
      expect(file.update((doc) => doc.hits.length)).toBe(1);
    });

    it('should change nothing in a file that is not JSON, and say why', () => {
      mkdirSync(join(dir, 'data'));
      writeFileSync(path, 'not json');

      expect(() => file.update((doc) => doc.hits.push('a'))).toThrow(`${path} is not JSON: `);
      expect(readFileSync(path, 'utf8')).toBe('not json');
      expect(existsSync(`${path}.lock`)).toBe(false);
    });

    it('should keep every change of concurrent writers in other processes', async () => {
      const results = await Promise.all(['a', 'b', 'c', 'd'].map((name) => writer(path, 'add', name, '25')));

      expect(results.map((r) => [r.code, r.stderr])).toEqual(Array(4).fill([0, '']));
      const hits = file.read().hits;
      expect(hits).toHaveLength(100);
      expect(new Set(hits).size).toBe(100);
      // Each writer's own updates land in its order.
      for (const name of ['a', 'b', 'c', 'd']) expect(hits.filter((h) => h.startsWith(`${name}:`))).toEqual(Array.from({ length: 25 }, (_, k) => `${name}:${k}`));
    }, 60_000);

    it('should leave the old content when a writer is killed before its rename, and let the next writer take over its lock', async () => {
      file.update((doc) => doc.hits.push('kept'));
      const before = readFileSync(path, 'utf8');

      const crashed = await writer(path, 'crash');

      expect(crashed.signal).toBe('SIGKILL');
      expect(readFileSync(path, 'utf8')).toBe(before);
      expect(file.read().hits).toEqual(['kept']);
      expect(existsSync(`${path}.lock`)).toBe(true);
      // The dead writer's lock is stale once old enough (file-lock.ts): age it rather than wait.
      const past = new Date(Date.now() - 60_000);
      utimesSync(`${path}.lock`, past, past);
      file.update((doc) => doc.hits.push('next'));
      expect(file.read().hits).toEqual(['kept', 'next']);
      expect(existsSync(`${path}.lock`)).toBe(false);
    }, 30_000);

    (process.getuid?.() === 0 ? it : it.skip)("should leave the file to the data folder's owner when root runs the CLI", () => {
      mkdirSync(join(dir, 'data'));
      chownSync(join(dir, 'data'), 4321, 4321);
      file.update((doc) => doc.hits.push('a'));

      expect(statSync(path)).toMatchObject({ uid: 4321, gid: 4321 });
    });
  });
});
