import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOKEN_PREFIX, TokenFileError, TokenStore } from './token-store';

describe(TokenStore.name, () => {
  let dir: string;
  let store: TokenStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dinmeter-tokens-'));
    store = TokenStore.inDataDir(join(dir, 'data'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  describe('create', () => {
    it('should issue a 256-bit token and store only its SHA-256, in a file only the owner may read', async () => {
      const { record, token } = await store.create('control', 'kitchen tablet');

      expect(token).toMatch(new RegExp(`^${TOKEN_PREFIX}[A-Za-z0-9_-]{43}$`));
      expect(record).toMatchObject({ role: 'control', label: 'kitchen tablet', id: expect.stringMatching(/^[0-9a-f]{12}$/) });
      const text = readFileSync(store.path, 'utf8');
      expect(text).not.toContain(token.slice(TOKEN_PREFIX.length));
      expect(JSON.parse(text).tokens).toEqual([record]);
      expect(statSync(store.path).mode & 0o777).toBe(0o600);
    });

    (process.getuid?.() === 0 ? it : it.skip)('should leave the file to the data folder\'s owner when root runs the CLI', async () => {
      mkdirSync(join(dir, 'data'));
      chownSync(join(dir, 'data'), 4321, 4321);
      await store.create('admin');

      expect(statSync(store.path)).toMatchObject({ uid: 4321, gid: 4321 });
    });

    it('should keep the tokens of concurrent writers (the CLI and the backend) all', async () => {
      const other = TokenStore.inDataDir(join(dir, 'data'));
      await Promise.all([store.create('read'), other.create('admin'), store.create('control'), other.create('read')]);

      expect(store.list()).toHaveLength(4);
    });

    it('should refuse a bad role or label and write nothing', async () => {
      await expect(store.create('root' as never)).rejects.toThrow('role must be one of read, control, admin, got "root"');
      await expect(store.create('read', 'a\nb')).rejects.toThrow('label must be at most 100 printable characters');
      expect(store.list()).toEqual([]);
    });
  });

  describe('verify', () => {
    it('should know a live token with its role, and nothing else', async () => {
      const { record, token } = await store.create('read');

      expect(store.verify(token)).toEqual(record);
      expect(store.verify(`${token}x`)).toBeUndefined();
      expect(store.verify(token.slice(0, -1))).toBeUndefined();
      expect(store.verify('')).toBeUndefined();
      expect(store.verify('x'.repeat(10_000))).toBeUndefined();
    });

    it('should honour a token another process created or revoked at the next call', async () => {
      const backend = TokenStore.inDataDir(join(dir, 'data'));
      expect(backend.verify('dmt_nothing')).toBeUndefined();
      const { record, token } = await store.create('admin');

      expect(backend.verify(token)?.id).toBe(record.id);
      await store.revoke(record.id);
      expect(backend.verify(token)).toBeUndefined();
    });

    it('should refuse every token while the file is not a token file, and say so once', async () => {
      const errors: string[] = [];
      const backend = new TokenStore(store.path, undefined, (message) => errors.push(message));
      const { token } = await store.create('admin');
      expect(backend.verify(token)).toBeDefined();

      writeFileSync(store.path, '{"version":1,"tokens":[{"id":"zz"}]}');
      expect(backend.verify(token)).toBeUndefined();
      expect(backend.verify(token)).toBeUndefined();
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/tokens\.json is not a token file: tokens\[0\]\.id must be 12 hex digits; .*every REST token is refused/);
      expect(() => store.list()).toThrow(TokenFileError);
    });
  });

  describe('revoke', () => {
    it('should mark the token revoked and keep it listed', async () => {
      const { record } = await store.create('read', 'old');
      const revoked = await store.revoke(record.id);

      expect(revoked.revoked).toEqual(expect.any(String));
      expect(store.list()).toEqual([{ ...record, revoked: revoked.revoked }]);
    });

    it('should refuse an unknown id and change nothing', async () => {
      await store.create('read');
      const before = readFileSync(store.path, 'utf8');

      await expect(store.revoke('000000000000')).rejects.toThrow('no token with id "000000000000"');
      expect(readFileSync(store.path, 'utf8')).toBe(before);
    });
  });
});
